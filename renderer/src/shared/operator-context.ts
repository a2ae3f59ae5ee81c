import { createContext, useContext } from 'react';
import type { OperatorClient } from '../api/operator-client';

export const OperatorContext = createContext<OperatorClient | null>(null);

/** The operator API client for components (tests inject their own transport through the provider). */
export function useOperator(): OperatorClient {
  const client = useContext(OperatorContext);
  if (!client) throw new Error('useOperator outside <OperatorContext.Provider>');
  return client;
}
