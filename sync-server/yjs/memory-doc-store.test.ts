import { docStoreContract } from './doc-store.contract';
import { MemoryDocStore } from './memory-doc-store';

docStoreContract('MemoryDocStore', () => {
  const store = new MemoryDocStore();
  return {
    store,
    reopen: () => undefined,
    dispose: () => {
      store.close();
    },
  };
});
