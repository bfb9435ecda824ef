/**
 * The signed-in session's credential, with the real identity library against the emulator: a
 * token asked for after sign-in (another scope, a refresh) fails as clearly as sign-in itself.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import { signIn } from "../../src/auth/session.ts";
import { fetchCloudMetadata } from "../../src/azure/cloud-metadata.ts";
import { systemClock } from "../../src/azure/retry.ts";
import { ActionError } from "../../src/errors.ts";
import { ids, secrets, testSeed } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({ seed: testSeed() });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
});

afterEach(async () => {
  await emulator.close();
});

afterAll(() => setDefaultCACertificates(systemCAs));

describe("the session's credential", () => {
  it("explains a token failure after sign-in with the sign-in remedies", async () => {
    const masked: string[] = [];
    const signal = new AbortController().signal;
    const session = await signIn(
      {
        method: {
          kind: "service-principal",
          tenantId: ids.tenant,
          clientId: ids.deployer.appId,
          clientSecret: secrets.deployer,
        },
        reason: "test",
        cloud: { kind: "custom", resourceManagerEndpoint: emulator.url, authorityHost: undefined },
        subscriptionId: ids.subscription,
        subscriptionSource: "test",
      },
      {
        log: { info: () => undefined },
        signal,
        fetchJson: (url, abort) =>
          fetchCloudMetadata(
            url,
            abort,
            { deadline: Date.now() + 60_000, signal, clock: systemClock },
            "test",
          ),
        mask: (secret) => void masked.push(secret),
        getIdToken: () => Promise.reject(new Error("no OIDC here")),
      },
    );
    emulator.inject({
      method: "POST",
      path: "/oauth2/v2.0/token",
      status: 401,
      body: {
        error: "invalid_client",
        error_description: "AADSTS7000222: The provided client secret keys are expired.",
        error_codes: [7000222],
      },
    });

    const later = session.credential.getToken(`${emulator.url}/other/.default`);

    await expect(later).rejects.toBeInstanceOf(ActionError);
    await expect(later).rejects.toMatchObject({ remedy: expect.stringMatching(/expired/i) });
    // Only the sign-in's own access token was ever handed out, and it was masked.
    expect(masked).toHaveLength(1);
  });
});
