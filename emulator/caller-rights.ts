import type { Seed, SeedServicePrincipal } from "./seed.ts";

/**
 * What the caller a run signs in as (`signingInPrincipal`, see `runInputs`) may do: what the
 * seed gives it, only `Reader` on every subscription (reads work, every write is ARM's 403), or
 * nothing at all (even reads are 403).
 */
export type CallerRights = "seeded" | "reader" | "none";

export const CALLER_RIGHTS: readonly CallerRights[] = ["seeded", "reader", "none"];

type WithSecret = SeedServicePrincipal & { readonly clientSecret: string };

/** The caller a run (and `az`) signs in as: the seed's first service principal with a secret. */
export function signingInPrincipal(seed: Seed): WithSecret | undefined {
  return seed.servicePrincipals?.find((principal): principal is WithSecret =>
    Boolean(principal.clientSecret),
  );
}

/**
 * The seed with the caller's role assignments replaced as `rights` says; everyone else's are
 * kept. The seed itself is not changed.
 */
export function withCallerRights(seed: Seed, rights: CallerRights): Seed {
  if (!CALLER_RIGHTS.includes(rights)) {
    throw new Error(`Caller rights must be one of ${CALLER_RIGHTS.join(", ")}, got "${rights}"`);
  }
  if (rights === "seeded") return seed;
  const caller = signingInPrincipal(seed);
  if (!caller) {
    throw new Error("Caller rights need a seed with a service principal that has a clientSecret");
  }
  const callerId = caller.objectId.toLowerCase();
  const others = (seed.roleAssignments ?? []).filter(
    (assignment) => assignment.principalId.toLowerCase() !== callerId,
  );
  const granted =
    rights === "reader"
      ? seed.subscriptions.map((subscription) => ({
          scope: `/subscriptions/${subscription.subscriptionId}`,
          roleName: "Reader",
          principalId: caller.objectId,
          principalType: "ServicePrincipal" as const,
        }))
      : [];
  return { ...seed, roleAssignments: [...others, ...granted] };
}
