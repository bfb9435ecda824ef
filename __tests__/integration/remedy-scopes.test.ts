/**
 * A caller that lacks a permission gets a remedy with the `az role assignment create` command
 * that grants it. Each adapter's refusal, with the real credential and SDK clients against the
 * emulator's RBAC: the command must grant on the scope that fixes the failure (the registry for
 * a role assignment's delete, never the assignment's own id), to the caller ARM named.
 */
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { startEmulator, type Emulator } from "../../emulator/index.ts";
import type { CallerRights } from "../../emulator/caller-rights.ts";
import { createCredential } from "../../src/auth/credential.ts";
import { createAzurePorts } from "../../src/azure/clients.ts";
import { systemClock } from "../../src/azure/retry.ts";
import type { AzurePorts } from "../../src/domain/ports.ts";
import { ActionError } from "../../src/errors.ts";
import { ACR_PULL, ids, names, scopes, secrets, testSeed, registryAddress } from "../fixtures.ts";

const systemCAs = getCACertificates("default");
const signal = new AbortController().signal;
let emulator: Emulator | undefined;

const clusterScope = `${scopes.subscription}/resourceGroups/${names.clusterGroup}/providers/Microsoft.ContainerService/managedClusters/${names.cluster}`;
const assignmentName = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

async function start(rights: CallerRights): Promise<Emulator> {
  emulator = await startEmulator({ seed: testSeed(), callerRights: rights });
  setDefaultCACertificates([...systemCAs, emulator.caCertPem]);
  return emulator;
}

/** The deployer: the seed's first principal with a secret, whose rights `start` replaced. */
function deployerPorts(at: Emulator): Promise<AzurePorts> {
  const cloud = { resourceManagerEndpoint: at.url, authorityHost: at.url };
  const credential = createCredential(
    {
      kind: "service-principal",
      tenantId: ids.tenant,
      clientId: ids.deployer.appId,
      clientSecret: secrets.deployer,
    },
    cloud,
    () => undefined,
  );
  return createAzurePorts(
    {
      credential,
      endpoint: at.url,
      scope: `${at.url}/.default`,
      graphEndpoint: at.url,
      userAgent: "test",
      budget: { deadline: Date.now() + 30_000, signal, clock: systemClock },
    },
    ids.subscription,
  );
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

afterAll(() => setDefaultCACertificates(systemCAs));

async function refusal(call: Promise<unknown>): Promise<ActionError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error("the call succeeded, but the caller lacks the permission");
}

function grantCommands(error: ActionError): string[] {
  return (error.remedy ?? "").split("\n").filter((line) => line.includes("az role assignment"));
}

describe("the remedy for a refused request grants on the scope that fixes it", () => {
  // The registry SDK's pagers replace ARM's message ("Pagination failed with unexpected statusCode 403"),
  // so a refused list does not name the caller: its command says whom to put in instead.
  const unnamed = "--assignee <client id of the signed-in principal>";
  const named = `--assignee-object-id ${ids.deployer.objectId} --assignee-principal-type ServicePrincipal`;

  it.each<
    [string, CallerRights, (ports: AzurePorts, at: Emulator) => Promise<unknown>, string, string]
  >([
    [
      "reading the cluster",
      "none",
      (ports) => ports.clusters.getCluster(names.clusterGroup, names.cluster, { signal }),
      clusterScope,
      named,
    ],
    [
      "reading a registry given by id",
      "none",
      (ports) => ports.registries.readRegistry(registryAddress(scopes.registry), { signal }),
      scopes.registry,
      named,
    ],
    [
      "listing the subscription's registries",
      "none",
      (ports) => ports.registries.listRegistries(ids.subscription, { signal }),
      scopes.subscription,
      unnamed,
    ],
    [
      "listing the role assignments that apply to the registry",
      "none",
      (ports) => ports.roleAssignments.listAtScope(scopes.registry, { signal }),
      scopes.registry,
      named,
    ],
    [
      "creating the pull-role assignment",
      "reader",
      (ports) =>
        ports.roleAssignments.create(
          {
            scope: scopes.registry,
            name: assignmentName,
            roleDefinitionId: `${scopes.subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
            principalId: ids.kubelet.objectId,
            principalType: "ServicePrincipal",
          },
          { signal },
        ),
      scopes.registry,
      named,
    ],
    [
      "deleting the pull-role assignment (detach)",
      "reader",
      (ports, at) => {
        const existing = at.addRoleAssignment({
          scope: scopes.registry,
          roleName: "AcrPull",
          principalId: ids.kubelet.objectId,
          principalType: "ServicePrincipal",
          name: assignmentName,
        });
        return ports.roleAssignments.delete(existing.id, { signal });
      },
      scopes.registry,
      named,
    ],
  ])("%s", async (_, rights, call, expectedScope, assignee) => {
    const at = await start(rights);

    const error = await refusal(call(await deployerPorts(at), at));

    expect(error.message).toMatch(/AuthorizationFailed/);
    const commands = grantCommands(error);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect([...command.matchAll(/--scope (\S+)/g)].map((m) => m[1])).toEqual([expectedScope]);
      expect(command).toContain(assignee);
    }
  });

  it("leaves the assignment a refused detach could not delete", async () => {
    const at = await start("reader");
    const existing = at.addRoleAssignment({
      scope: scopes.registry,
      roleName: "AcrPull",
      principalId: ids.kubelet.objectId,
      principalType: "ServicePrincipal",
      name: assignmentName,
    });

    await refusal((await deployerPorts(at)).roleAssignments.delete(existing.id, { signal }));

    expect(at.roleAssignments().map((a) => a.id)).toContain(existing.id);
  });
});
