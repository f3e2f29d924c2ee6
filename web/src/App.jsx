// App shell: reads /api/meta, handles login when auth is required, and picks the screen from the path.
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { api, refreshToken, setAccessToken, setUnauthorizedHandler } from "./api.js";
import { Link, navigate, usePath } from "./router.jsx";
import { Busy, ErrorBanner, ErrorBoundary } from "./components/common.jsx";
import Library from "./pages/Library.jsx";
import Editor from "./pages/Editor.jsx";
import { DashboardList, DashboardEditor, PublicDashboard } from "./pages/Dashboards.jsx";
import Themes from "./pages/Themes.jsx";
import Settings from "./pages/Settings.jsx";
import Admin from "./pages/Admin.jsx";
import Login from "./pages/Login.jsx";

const SessionContext = createContext(null);
export const useSession = () => useContext(SessionContext);

function Screen({ path }) {
  let m;
  if ((m = path.match(/^\/charts\/([^/]+)$/))) return <Editor key={m[1]} chartId={m[1]} />;
  if (path === "/dashboards") return <DashboardList />;
  if ((m = path.match(/^\/dashboards\/([^/]+)$/))) return <DashboardEditor key={m[1]} dashboardId={m[1]} />;
  if (path === "/themes") return <Themes />;
  if (path === "/settings") return <Settings />;
  if (path === "/admin") return <Admin />;
  if (path === "/" || path === "/charts") return <Library />;
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to="/">Go to your charts</Link>.
      </p>
    </div>
  );
}

export default function App() {
  const path = usePath();
  const [meta, setMeta] = useState(null);
  const [user, setUser] = useState(null);
  const [error, setError] = useState(null);
  const [needLogin, setNeedLogin] = useState(false);

  const loadUser = useCallback(async () => {
    try {
      setUser(await api("/api/auth/me"));
    } catch {
      setUser(null);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setAccessToken(null);
      setNeedLogin(true);
    });
    (async () => {
      try {
        const m = await api("/api/meta");
        // Decide about the session before any screen renders and starts calling the API.
        if (m.auth_required) {
          const session = await refreshToken();
          if (session) setUser(session.user);
          else setNeedLogin(true);
        } else {
          await loadUser();
        }
        setMeta(m);
      } catch (err) {
        setError(err);
      }
    })();
  }, [loadUser]);

  if (path.startsWith("/d/")) return <PublicDashboard publicId={path.slice(3)} />;
  if (error) return <ErrorBanner error={error} />;
  if (!meta) return <Busy label="Loading Story Analytics…" />;
  if (needLogin)
    return (
      <Login
        onLoggedIn={(session) => {
          setAccessToken(session.access_token);
          setUser(session.user);
          setNeedLogin(false);
        }}
      />
    );

  const logout = async () => {
    await api("/api/auth/logout", { method: "POST" }).catch(() => {});
    setAccessToken(null);
    setUser(null);
    setNeedLogin(true);
    navigate("/");
  };

  return (
    <SessionContext.Provider value={{ meta, user, reloadUser: loadUser }}>
      <header className="topbar">
        <Link to="/" className="brand">
          Story Analytics
        </Link>
        <nav>
          <Link to="/" data-testid="nav-charts">Charts</Link>
          <Link to="/dashboards" data-testid="nav-dashboards">Dashboards</Link>
          <Link to="/themes" data-testid="nav-themes">Themes</Link>
          <Link to="/settings" data-testid="nav-settings">Settings</Link>
          {user?.is_admin && meta.auth_required && <Link to="/admin" data-testid="nav-admin">Users &amp; teams</Link>}
          {user?.is_admin && !meta.auth_required && <Link to="/admin" data-testid="nav-admin">Teams</Link>}
        </nav>
        <div className="who">
          {meta.mode === "local" && !meta.auth_required ? <span className="muted">Local mode</span> : null}
          {meta.auth_required && user && (
            <>
              <span data-testid="current-user">{user.display_name || user.email}</span>
              <button className="link" onClick={logout} data-testid="logout">
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      <main>
        <ErrorBoundary key={path}>
          <Screen path={path} />
        </ErrorBoundary>
      </main>
    </SessionContext.Provider>
  );
}
