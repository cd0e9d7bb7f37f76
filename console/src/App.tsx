import { useEffect, useState, type ReactNode } from 'react';
import { getToken, setToken } from './api';
import { useRoute } from './hooks';
import { SignIn } from './screens/SignIn';
import { Overview } from './screens/Overview';
import { Debugger } from './screens/Debugger';
import { Destinations } from './screens/Destinations';
import { Deliveries } from './screens/Deliveries';
import { Health } from './screens/Health';
import { Syncs } from './screens/Syncs';
import { ConfigScreen } from './screens/Config';

const NAV: { key: string; label: string }[] = [
  { key: 'overview', label: 'Overview' },
  { key: 'debugger', label: 'Source debugger' },
  { key: 'destinations', label: 'Destinations' },
  { key: 'deliveries', label: 'Deliveries' },
  { key: 'health', label: 'Conversion health' },
  { key: 'syncs', label: 'Syncs' },
  { key: 'config', label: 'Config' },
];

export function App(): ReactNode {
  const [token, setTok] = useState(getToken);
  const route = useRoute();
  useEffect(() => {
    const on = (): void => setTok(getToken());
    window.addEventListener('optirelay-auth', on);
    return () => window.removeEventListener('optirelay-auth', on);
  }, []);

  if (!token) return <SignIn />;
  const section = route.path[0] ?? 'overview';
  let screen: ReactNode;
  switch (section) {
    case 'debugger':
      screen = <Debugger />;
      break;
    case 'destinations':
      screen = <Destinations route={route} />;
      break;
    case 'deliveries':
      screen = <Deliveries route={route} />;
      break;
    case 'health':
      screen = <Health route={route} />;
      break;
    case 'syncs':
      screen = <Syncs route={route} />;
      break;
    case 'config':
      screen = <ConfigScreen />;
      break;
    default:
      screen = <Overview />;
  }
  return (
    <div className="layout">
      <nav className="nav" aria-label="Main">
        <div className="brand">
          optirelay <span>console</span>
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.key}>
              <a href={`#/${n.key}`} aria-current={section === n.key || (n.key === 'overview' && !NAV.some((x) => x.key === section)) ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="nav-foot">
          <a href="/admin/v1/openapi.json" target="_blank" rel="noreferrer">
            Admin API (OpenAPI)
          </a>
          <button type="button" className="link" onClick={() => setToken(null)}>
            Sign out
          </button>
        </div>
      </nav>
      <main className="main" id="main">
        {screen}
      </main>
    </div>
  );
}
