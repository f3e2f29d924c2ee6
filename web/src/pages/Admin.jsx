// Admin: users (create, activate/deactivate, admin flag) and teams (members, roles, allowed embed origins).
import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { useSession } from "../App.jsx";
import { Busy, ErrorBanner, useAction } from "../components/common.jsx";

function Users({ run }) {
  const [users, setUsers] = useState(null);
  const [form, setForm] = useState({ email: "", password: "", display_name: "", is_admin: false });
  const load = useCallback(() => api("/api/users").then(setUsers).catch(() => setUsers([])), []);
  useEffect(() => {
    load();
  }, [load]);
  const create = (e) => {
    e.preventDefault();
    run("Creating user…", async () => {
      await api("/api/users", { method: "POST", body: form });
      setForm({ email: "", password: "", display_name: "", is_admin: false });
      await load();
    });
  };
  const patch = (u, body) =>
    run("Updating user…", async () => {
      await api(`/api/users/${u.id}`, { method: "PATCH", body });
      await load();
    });
  if (users === null) return <Busy label="Loading users…" />;
  return (
    <section className="panel" data-testid="users">
      <h2>Users</h2>
      <table className="list">
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Admin</th>
            <th>Active</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td>{u.display_name}</td>
              <td>
                <input type="checkbox" checked={u.is_admin} onChange={(e) => patch(u, { is_admin: e.target.checked })} aria-label="Admin" />
              </td>
              <td>
                <input type="checkbox" checked={u.is_active} onChange={(e) => patch(u, { is_active: e.target.checked })} aria-label="Active" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} className="inline wrap">
        <input type="email" placeholder="Email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <input placeholder="Display name" value={form.display_name} onChange={(e) => setForm({ ...form, display_name: e.target.value })} />
        <input type="password" placeholder="Password" required value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
        <label className="check">
          <input type="checkbox" checked={form.is_admin} onChange={(e) => setForm({ ...form, is_admin: e.target.checked })} /> admin
        </label>
        <button type="submit">Add user</button>
      </form>
    </section>
  );
}

function Team({ teamId, run }) {
  const [team, setTeam] = useState(null);
  const [member, setMember] = useState({ email: "", role: "member" });
  const [origins, setOrigins] = useState("");
  const load = useCallback(async () => {
    const t = await api(`/api/teams/${teamId}`);
    setTeam(t);
    setOrigins((t.embed_origins || []).join("\n"));
  }, [teamId]);
  useEffect(() => {
    load().catch(() => setTeam(null));
  }, [load]);
  if (!team) return <Busy label="Loading team…" />;
  const act = (label, fn) =>
    run(label, async () => {
      await fn();
      await load();
    });
  return (
    <div className="team" data-testid="team">
      <h3>{team.name}</h3>
      <ul>
        {(team.members || []).map((m) => (
          <li key={m.user_id ?? m.id}>
            {m.email || m.display_name}{" "}
            <select
              value={m.role}
              onChange={(e) => act("Changing role…", () => api(`/api/teams/${teamId}/members/${m.user_id ?? m.id}`, { method: "PATCH", body: { role: e.target.value } }))}
              aria-label="Role"
            >
              <option value="owner">owner</option>
              <option value="admin">admin</option>
              <option value="member">member</option>
            </select>{" "}
            <button className="link danger" onClick={() => act("Removing member…", () => api(`/api/teams/${teamId}/members/${m.user_id ?? m.id}`, { method: "DELETE" }))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          act("Adding member…", () => api(`/api/teams/${teamId}/members`, { method: "POST", body: member }));
        }}
      >
        <input type="email" placeholder="Member email" required value={member.email} onChange={(e) => setMember({ ...member, email: e.target.value })} />
        <select value={member.role} onChange={(e) => setMember({ ...member, role: e.target.value })}>
          <option value="member">member</option>
          <option value="admin">admin</option>
          <option value="owner">owner</option>
        </select>
        <button type="submit">Add member</button>
      </form>
      <label>
        Sites allowed to embed this team's charts (one origin per line, empty = any)
        <textarea rows={2} value={origins} onChange={(e) => setOrigins(e.target.value)} />
      </label>
      <button
        onClick={() =>
          act("Saving origins…", () =>
            api(`/api/teams/${teamId}`, { method: "PATCH", body: { embed_origins: origins.split(/\s+/).filter(Boolean) } }),
          )
        }
      >
        Save origins
      </button>
    </div>
  );
}

export default function Admin() {
  const { meta, user } = useSession();
  const [teams, setTeams] = useState(null);
  const [name, setName] = useState("");
  const { busy, error, setError, run } = useAction();
  const load = useCallback(() => api("/api/teams").then(setTeams).catch((e) => (setError(e), setTeams([]))), [setError]);
  useEffect(() => {
    load();
  }, [load]);
  if (!user?.is_admin) return <ErrorBanner error="Only admins can manage users and teams." />;
  return (
    <div className="page narrow" data-testid="admin">
      <h1>{meta.auth_required ? "Users and teams" : "Teams"}</h1>
      {busy && <Busy label={busy} />}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {meta.auth_required && <Users run={run} />}
      <section className="panel">
        <h2>Teams</h2>
        {teams === null ? <Busy label="Loading teams…" /> : teams.map((t) => <Team key={t.id} teamId={t.id} run={run} />)}
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            run("Creating team…", async () => {
              await api("/api/teams", { method: "POST", body: { name } });
              setName("");
              await load();
            });
          }}
        >
          <input placeholder="New team name" required value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit">Create team</button>
        </form>
      </section>
    </div>
  );
}
