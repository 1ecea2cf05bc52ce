/** A small schema for unit tests; policies are added per test. */
export const smallSchema = `namespace Airlock {
  entity Group in [Group];
  entity Human in [Group] { suspended: Bool };
  entity Agent in [Group] { owner?: Human, manager?: Human, level?: Long, environment?: String };
  entity Tool in [Group] { readOnly?: Bool };
  type Ctx = { environment?: String, amount?: Long };
  action "ops";
  action "tool.call", "deploy", "payment.submit" in ["ops"] appliesTo {
    principal: [Agent, Human],
    resource: [Tool],
    context: Ctx,
  };
  action "other" appliesTo { principal: [Agent, Human], resource: [Tool], context: Ctx };
}
`;

export function smallBundle(policies: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'schema.cedarschema': smallSchema, 'main.cedar': policies, ...extra };
}
