/**
 * Every input and output name of the action, as action.yml declares them, and the inputs'
 * defaults. The one place these strings are written: every layer imports them from here, and a
 * test compares this module with action.yml both ways.
 */

export const Inputs = {
  ResourceGroup: "resource-group",
  ClusterName: "cluster-name",
  AcrName: "acr-name",
  AcrResourceId: "acr-resource-id",
  CreateRegistry: "create-registry",
  RegistrySku: "registry-sku",
  Mode: "mode",
  DryRun: "dry-run",
  Role: "role",
  FailOnMissing: "fail-on-missing",
  AllowPrivilegedRole: "allow-privileged-role",
  SubscriptionId: "subscription-id",
  AuthType: "auth-type",
  ClientId: "client-id",
  TenantId: "tenant-id",
  ClientSecret: "client-secret",
  Creds: "creds",
  Audience: "audience",
  Environment: "environment",
  ResourceManagerEndpoint: "resource-manager-endpoint",
  AuthorityHost: "authority-host",
  TimeoutSeconds: "timeout-seconds",
} as const;

export type InputName = (typeof Inputs)[keyof typeof Inputs];

/**
 * Defaults, as action.yml declares them. Applied by the settings reader too, because a run
 * outside a runner (the demo, a local run) gets none from action.yml.
 */
export const Defaults = {
  [Inputs.AcrName]: "",
  [Inputs.AcrResourceId]: "",
  [Inputs.CreateRegistry]: "false",
  [Inputs.RegistrySku]: "Basic",
  [Inputs.Mode]: "attach",
  [Inputs.DryRun]: "false",
  [Inputs.Role]: "auto",
  [Inputs.FailOnMissing]: "true",
  [Inputs.AllowPrivilegedRole]: "false",
  [Inputs.SubscriptionId]: "",
  [Inputs.AuthType]: "auto",
  [Inputs.ClientId]: "",
  [Inputs.TenantId]: "",
  [Inputs.ClientSecret]: "",
  [Inputs.Creds]: "",
  [Inputs.Audience]: "api://AzureADTokenExchange",
  [Inputs.Environment]: "AzureCloud",
  [Inputs.ResourceManagerEndpoint]: "",
  [Inputs.AuthorityHost]: "",
  [Inputs.TimeoutSeconds]: "300",
} as const satisfies Partial<Record<InputName, string>>;

export const Outputs = {
  LoginServer: "login-server",
  RegistryId: "registry-id",
  PrincipalId: "principal-id",
  RoleAssignmentId: "role-assignment-id",
  Changed: "changed",
  PlannedChanges: "planned-changes",
  RemovedAssignmentIds: "removed-assignment-ids",
  HasPullAccess: "has-pull-access",
  Reasons: "reasons",
  Registries: "registries",
} as const;
