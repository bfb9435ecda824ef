/**
 * Which roles are too strong to hand to a cluster's pull identity, that is to every pod on its
 * nodes: a role that can do anything (`*`), manage access (`Microsoft.Authorization/*`), or
 * write or delete anything (`.../write`, `.../delete`, or a wildcard that covers them), in its
 * actions or its data actions. Reading (`*\/read`) and pulling are fine.
 */
import type { RoleDefinition } from "./ports.ts";
import { matches } from "./access.ts";

/** Would `pattern` (Azure's `*` wildcard) cover a write or a delete? */
function coversWriteOrDelete(pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (p === "*" || p === "microsoft.authorization/*") return true;
  const last = p.split("/").at(-1) ?? "";
  if (last === "write" || last === "delete") return true;
  // A wildcard in the last segment (`Microsoft.ContainerRegistry/*`, `.../wr*`) can end in either.
  return last.includes("*") && ["write", "delete"].some((op) => matches(last, op));
}

/**
 * The actions and data actions of `definition` that make it privileged, as written in it
 * (empty for a role that only reads).
 */
export function privilegedPermissions(definition: RoleDefinition): string[] {
  const found = definition.permissions.flatMap((p) =>
    [...p.actions, ...p.dataActions].filter(coversWriteOrDelete),
  );
  return [...new Set(found)];
}
