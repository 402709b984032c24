#!/bin/sh
# Entry point of the users-service image. Started as root (compose.yaml does this), it hands the
# data folder to the node user and drops to node; started as node (the image default, and ECS),
# it changes nothing. Either way it ends by exec'ing the command, so node is PID 1 and gets
# SIGTERM from the engine directly.
set -eu

data_dir=/app/data
app_user=node

if [ "$(id -u)" = 0 ]; then
  # On Linux the engine creates a missing bind-mount source such as ./data as root, and node could
  # not create app.db in it. Like the postgres image, only what node does not own yet is chowned,
  # so a restart over an existing database costs one directory walk and nothing else; -h changes a
  # symlink itself, never a file it points to.
  mkdir -p "$data_dir"
  if ! find "$data_dir" ! -user "$app_user" -exec chown -h "$app_user:$app_user" {} +; then
    # Some mounts refuse chown (an EFS access point, a Docker Desktop share). Say so and carry on:
    # if node cannot write there it stops with its own message naming the database path.
    echo "entrypoint: could not give $data_dir to $app_user; continuing" >&2
  fi
  # setpriv (util-linux, in every Debian image) switches uid, gid and groups and then execs the
  # command itself, so no shell or helper stays behind as PID 1. no_new_privs keeps setuid
  # binaries from raising privileges again.
  exec setpriv --reuid="$app_user" --regid="$app_user" --init-groups --no-new-privs -- "$@"
fi

if [ -d "$data_dir" ] && [ ! -w "$data_dir" ]; then
  echo "entrypoint: $data_dir is not writable by uid $(id -u); on a bind mount run 'sudo chown 1000:1000' on its host folder, or start the container as root (compose.yaml does) so this script can fix it" >&2
fi
exec "$@"
