// Global test setup. The Kafka helper adds the shared test broker here (one broker per test run).
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
