// Runs once, on the first start with an empty data volume (the image's docker-entrypoint-initdb.d,
// as the root user): the hub's own user, with read and write on its database and nothing else.
// Its password is MONGO_HUB_PASSWORD from deploy/.env, also in the hub's MONGODB_URI.
// test/deploy/mongo-scripts.test.ts runs it against a recording `db`.
/* global db -- mongosh's shell global */
const password = process.env.MONGO_HUB_PASSWORD;
if (!password || password.length < 24) {
  throw new Error('MONGO_HUB_PASSWORD must be set, at least 24 characters (openssl rand -hex 24)');
}
db.getSiblingDB('admin').createUser({
  user: 'hub',
  pwd: password,
  roles: [{ role: 'readWrite', db: 'entra_hub' }],
});
