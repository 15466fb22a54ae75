export default async function globalTeardown() {
  await globalThis.__HUB_TEST_MONGO__?.stop();
  globalThis.__HUB_TEST_MONGO__ = undefined;
}
