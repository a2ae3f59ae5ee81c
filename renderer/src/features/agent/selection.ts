/** What the agent is looking at; plain data. */
export type Selection =
  | { readonly kind: 'account'; readonly id: string }
  | { readonly kind: 'delivery'; readonly id: string; readonly customerId?: string };
