import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { connectOperatorClient } from './api/operator-client';
import { App } from './app/App';
import { wireCoreEvents } from './app/core-events';
import { OperatorContext } from './shared/operator-context';
import { createAppStore } from './app/store';

const client = connectOperatorClient();
const store = createAppStore();
wireCoreEvents(client, store);

const root = document.getElementById('root');
if (!root) throw new Error('#root missing');
createRoot(root).render(
  <StrictMode>
    <Provider store={store}>
      <OperatorContext.Provider value={client}>
        <App />
      </OperatorContext.Provider>
    </Provider>
  </StrictMode>,
);
