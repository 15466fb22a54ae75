#!/bin/bash
# mongod refuses a keyfile readable by others, and compose mounts secrets with the host file's
# owner and mode: copy it where mongod wants it, then hand over to the image's own entrypoint
# (which creates the root user and runs create-hub-user.js on the first start).
set -euo pipefail
install -m 400 -o mongodb -g mongodb /run/secrets/mongo_keyfile /etc/hub-mongo-keyfile
exec docker-entrypoint.sh mongod "$@"
