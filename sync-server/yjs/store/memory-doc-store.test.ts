import { docStoreContract } from './doc-store.contract';
import { MemoryDocStore } from './memory-doc-store';

docStoreContract('MemoryDocStore', () => {
  const store = new MemoryDocStore();
  return Promise.resolve({
    store,
    reopen: () => Promise.resolve(undefined),
    dispose: () => store.close(),
  });
});
