#!/bin/sh
# Creates deploy/secrets/ once: the MongoDB root password and the replica-set keyfile (random,
# readable by their owner only). Never overwrites: they must stay what the data volume was
# initialised with (docs/operations.md, "Deploy").
set -eu
cd "$(dirname "$0")/secrets"
umask 077
[ -s mongo_root_password ] || openssl rand -hex 32 > mongo_root_password
[ -s mongo_keyfile ] || openssl rand -base64 756 > mongo_keyfile
ls -l mongo_root_password mongo_keyfile
