/** The fake Saviynt EIC for tests and local trials (see server.ts). */
export { startFakeEic, type FakeEic, type FakeEicOptions, type FakeEicRequest, type FakeEicUser } from "./server.js";
export { checkFakeKnobs, defaultFakeKnobs, type EicVersion, type FakeEicKnobs, type FakeFault } from "./knobs.js";
export { attributesOf, pseudoCiphertext, reserialize, type StoredConnection } from "./store.js";
