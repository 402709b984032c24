// Real filesystem faults, which need root: a tiny tmpfs that fills up, a read-only bind mount, an
// immutable file (chattr +i stops even root, which plain permissions do not). Each helper returns
// null or false where the machine does not allow it, and the test skips, saying why.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from '../../support/server.ts';

function run(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A folder that is a mount point of its own, unmounted (lazily, so a process still holding a file
 * there cannot block it) and removed after the test. Returns null when `mount` is not allowed.
 */
function mountedFolder(t: Cleanup, prefix: string, mount: (folder: string) => boolean): string | null {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  if (!mount(folder)) {
    rmSync(folder, { recursive: true, force: true });
    return null;
  }
  t.after(() => {
    run('umount', ['--lazy', folder]);
    rmSync(folder, { recursive: true, force: true });
  });
  return folder;
}

/** A tmpfs of `bytes` (rounded up to whole pages by the kernel): a disk that fills up for real. */
export function mountTmpfs(t: Cleanup, bytes: number): string | null {
  return mountedFolder(t, 'tmpfs-', (folder) => run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', folder]));
}

/** A read-only view of `source` (a bind mount remounted ro): every write there fails with EROFS. */
export function mountReadOnly(t: Cleanup, source: string): string | null {
  return mountedFolder(t, 'read-only-', (folder) => {
    if (!run('mount', ['--bind', source, folder])) return false;
    if (run('mount', ['-o', 'remount,ro,bind', folder])) return true;
    run('umount', [folder]);
    return false;
  });
}

/** Sets or clears the immutable attribute; false when the filesystem or the user cannot. */
export function setImmutable(path: string, immutable: boolean): boolean {
  return run('chattr', [immutable ? '+i' : '-i', path]);
}

/** A temporary folder whose clean-up first clears any immutable attribute a test left inside it. */
export function makeFaultDir(t: Cleanup, prefix = 'fault-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => {
    run('chattr', ['-R', '-i', folder]);
    rmSync(folder, { recursive: true, force: true });
  });
  return folder;
}
