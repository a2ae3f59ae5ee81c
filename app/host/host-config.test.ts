import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNC_SERVER_URL, defaultProfileDir, resolveHostConfig } from './host-config';

describe('resolveHostConfig', () => {
  it('prefers the flag over the environment over the default', () => {
    const env = {
      FLEETDESK_SERVER_URL: 'http://10.0.0.2:4100',
      FLEETDESK_PROFILE_DIR: '/env/profile',
    };
    expect(resolveHostConfig(['--server', 'http://127.0.0.1:5000/'], env)).toEqual({
      syncServerUrl: 'http://127.0.0.1:5000',
      profileDir: '/env/profile',
    });
    expect(resolveHostConfig(['--profile=/flag/p'], env).profileDir).toBe('/flag/p');
    expect(resolveHostConfig([], env).syncServerUrl).toBe('http://10.0.0.2:4100');
    expect(resolveHostConfig([], {}).syncServerUrl).toBe(DEFAULT_SYNC_SERVER_URL);
  });

  it('refuses a malformed or non-http server URL with a readable error', () => {
    expect(() => resolveHostConfig(['--server', 'not a url'], {})).toThrow(/not a URL/);
    expect(() => resolveHostConfig(['--server', 'ftp://x'], {})).toThrow(/http\(s\)/);
  });

  it('takes several servers, comma-separated, in order, and checks each one', () => {
    expect(
      resolveHostConfig(['--server', 'http://a.example:4100/, https://b.example'], {})
        .syncServerUrl,
    ).toBe('http://a.example:4100,https://b.example');
    expect(() => resolveHostConfig(['--server', 'http://a.example,ftp://b'], {})).toThrow(
      /http\(s\)/,
    );
    expect(() => resolveHostConfig(['--server', 'http://a.example,'], {})).toThrow(/not a URL/);
  });

  it('follows each OS convention for the per-user profile directory', () => {
    expect(defaultProfileDir({}, 'linux', '/home/a')).toBe('/home/a/.local/share/fleetdesk');
    expect(defaultProfileDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/fleetdesk');
    expect(defaultProfileDir({}, 'darwin', '/Users/a')).toBe(
      '/Users/a/Library/Application Support/Fleetdesk',
    );
    expect(defaultProfileDir({ APPDATA: 'C:/U/a/AppData/Roaming' }, 'win32', 'C:/U/a')).toBe(
      'C:/U/a/AppData/Roaming/Fleetdesk',
    );
  });
});
