// What the numbers were measured on, printed above them: a result means little without the cores,
// the Node version and the filesystem the database fsyncs to.
import { readFileSync, realpathSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { sep } from 'node:path';

/** The filesystem type holding `path`, from the longest mount point that contains it. */
export function filesystemOf(path: string): string {
  const real = realpathSync(path);
  let best = { mountPoint: '', type: 'unknown' };
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (mountPoint === undefined || type === undefined) continue;
    const contains = mountPoint === '/' || real === mountPoint || real.startsWith(mountPoint + sep);
    if (contains && mountPoint.length > best.mountPoint.length) best = { mountPoint, type };
  }
  return best.type;
}

export function describeMachine(workspace: string): string[] {
  const processors = cpus();
  const filesystem = filesystemOf(workspace);
  const lines = [
    `machine: ${processors.length} × ${processors[0]?.model.trim() ?? 'unknown CPU'}, Linux ${release()}, Node ${process.versions.node}, SQLite ${process.versions.sqlite}`,
    `temporary files: ${workspace} (${filesystem})`,
  ];
  // On tmpfs an fsync costs nothing, so writes would look far cheaper than on a disk.
  if (filesystem === 'tmpfs') lines.push('warning: that is tmpfs, where fsync is free; pass --tmp-dir on a real disk to measure durable writes.');
  return lines;
}
