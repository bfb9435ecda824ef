/**
 * What the adapters accept from Azure before it becomes a domain value: the values that become
 * outputs or that later requests address (ids, login servers, object ids) must have the form ARM
 * gives them, or the run stops with an error naming the field; free text (role names, locations,
 * descriptions) is kept to one safe, bounded line. A compromised endpoint or a proxy in between
 * can answer anything: nothing it says is passed on unchecked.
 */
import { ActionError } from "../errors.ts";
import { Inputs } from "../names.ts";
import { cutLine, oneLine, shown } from "../safe-text.ts";

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
/** One segment of an ARM path: what resource names and resource group names may hold. */
const SEGMENT = "[\\p{L}\\p{N}_.()~-]+";
const HOST_LABEL = "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?";

const PATTERNS = {
  guid: new RegExp(`^${GUID}$`),
  host: new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})+$`),
  scope: new RegExp(`^(?:/${SEGMENT})+$`, "u"),
  roleAssignmentId: new RegExp(
    `^(?:/${SEGMENT})*/providers/Microsoft\\.Authorization/roleAssignments/${GUID}$`,
    "iu",
  ),
  roleDefinitionId: new RegExp(
    `^(?:/subscriptions/${GUID})?/providers/Microsoft\\.Authorization/roleDefinitions/${GUID}$`,
    "i",
  ),
  name: new RegExp(`^${SEGMENT}$`, "u"),
};

/** `{scope}`'s answer had a field of the wrong form: say which, show it escaped, stop. */
function refuse(what: string, field: string, expected: string, value: unknown, scope: string) {
  const text = typeof value === "string" ? shown(value, 200) : "nothing";
  return new ActionError(
    `Azure answered ${what} whose '${field}' is not ${expected}: ${text} (${shown(scope, 400)}).`,
    {
      remedy:
        `Azure Resource Manager does not answer this: check that '${Inputs.ResourceManagerEndpoint}' ` +
        `(and any proxy on the way) is Azure's. No output was set from it.`,
    },
  );
}

/** Checks the fields of one answer (`what`: "a registry", ...) read from `scope`. */
export function answerFrom(what: string, scope: string) {
  const check = (pattern: RegExp, expected: string) => (field: string, value: unknown) => {
    if (typeof value !== "string" || !pattern.test(value)) {
      throw refuse(what, field, expected, value, scope);
    }
    return value;
  };
  return {
    guid: check(PATTERNS.guid, "a GUID"),
    host: check(PATTERNS.host, "a host name"),
    name: check(PATTERNS.name, "a resource name"),
    scope: check(PATTERNS.scope, "an ARM scope"),
    roleAssignmentId: check(PATTERNS.roleAssignmentId, "a role assignment id"),
    roleDefinitionId: check(PATTERNS.roleDefinitionId, "a role definition id"),
    /** A top-level resource id of `type` (`Microsoft.ContainerRegistry/registries`). */
    resourceId(field: string, value: unknown, type: string): string {
      const pattern = new RegExp(
        `^/subscriptions/${GUID}/resourceGroups/${SEGMENT}/providers/${type.replace(".", "\\.")}/${SEGMENT}$`,
        "iu",
      );
      return check(pattern, `the id of a ${type}`)(field, value);
    },
    /** The GUID, or undefined when Azure sent none. */
    optionalGuid(field: string, value: string | undefined): string | undefined {
      return value === undefined || value === "" ? undefined : this.guid(field, value);
    },
  };
}

/** Free text from Azure as one line of at most `max` characters, or undefined when absent. */
export function freeText(value: string | undefined, max = 300): string | undefined {
  return value === undefined ? undefined : cutLine(oneLine(value), max);
}
