import { createHash } from "node:crypto";

/** This project's UUID v5 namespace. Changing it would make re-runs create second assignments. */
const NAMESPACE = "1505f2ae-0beb-466d-aeaa-638e0797069a";

/** RFC 9562 UUID version 5: SHA-1 over the namespace bytes and the name. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const namespaceBytes = Buffer.from(namespace.replaceAll("-", ""), "hex");
  const hash = createHash("sha1").update(namespaceBytes).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The role assignment's name, derived from what it grants, so that a re-run or a concurrent run
 * PUTs the same name (idempotent in ARM) instead of a second assignment.
 */
export function assignmentName(scope: string, principalId: string, roleGuid: string): string {
  return uuidV5([scope, principalId, roleGuid].map((part) => part.toLowerCase()).join("|"));
}
