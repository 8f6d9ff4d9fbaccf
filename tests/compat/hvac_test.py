"""hvac 0.11.2 (Debian python3-hvac), unmodified, against custos server.

Run by tests/compat/run.sh with VAULT_ADDR pointing at a fresh server
started with --config (uninitialised). Covers: initialise + unseal, KV v2
full cycle, tokens, policies with a denied read, health, userpass and
approle logins (new and legacy calls) with a denied read on their tokens.
"""
import os
import sys

import hvac
from hvac import exceptions

addr = os.environ["VAULT_ADDR"]
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def raises(exc, fn, what):
    try:
        fn()
    except exc:
        check(True, what)
        return
    except Exception as e:  # noqa: BLE001
        check(False, "%s: raised %r, want %s" % (what, e, exc.__name__))
    check(False, "%s: no exception, want %s" % (what, exc.__name__))


client = hvac.Client(url=addr)

# -- initialise and unseal -------------------------------------------------
check(client.sys.is_initialized() is False, "not initialised at first")
init = client.sys.initialize(secret_shares=5, secret_threshold=3)
check(len(init["keys"]) == 5 and len(init["keys_base64"]) == 5, "five unseal keys")
check(client.sys.is_sealed(), "sealed after init")
raises(exceptions.InvalidRequest, lambda: client.sys.initialize(1, 1), "second init refused")
status = client.sys.submit_unseal_keys(init["keys"][1:4])
check(status["sealed"] is False, "unsealed with three keys")
check(client.sys.read_seal_status()["t"] == 3, "threshold 3")
client.token = init["root_token"]
check(client.is_authenticated(), "root token authenticates")

# -- health ---------------------------------------------------------------
health = client.sys.read_health_status(method="GET")
check(health["initialized"] and not health["sealed"], "health body")
check(client.sys.read_health_status().status_code == 200, "HEAD health")
check(client.sys.read_leader_status()["ha_enabled"] is False, "leader")

# -- KV v2 full cycle ------------------------------------------------------
kv = client.secrets.kv.v2
kv.create_or_update_secret(path="app/db", secret={"user": "svc", "password": "pw-1"})
kv.create_or_update_secret(path="app/db", secret={"user": "svc", "password": "pw-2"}, cas=1)
raises(exceptions.InvalidRequest,
       lambda: kv.create_or_update_secret(path="app/db", secret={"a": "b"}, cas=1),
       "cas mismatch is 400")
r = kv.read_secret_version(path="app/db")
check(r["data"]["data"]["password"] == "pw-2" and r["data"]["metadata"]["version"] == 2, "read latest")
r = kv.read_secret_version(path="app/db", version=1)
check(r["data"]["data"]["password"] == "pw-1", "read version 1")
kv.patch(path="app/db", secret={"password": "pw-3"})
r = kv.read_secret_version(path="app/db")
check(r["data"]["data"] == {"user": "svc", "password": "pw-3"}, "patched")
kv.create_or_update_secret(path="app/cache", secret={"url": "redis://x"})
kv.create_or_update_secret(path="other/thing", secret={"k": "v"})
keys = kv.list_secrets(path="app")["data"]["keys"]
check(sorted(keys) == ["cache", "db"], "list app/: %r" % keys)
check(sorted(kv.list_secrets(path="")["data"]["keys"]) == ["app/", "other/"], "list root")
raises(exceptions.InvalidPath, lambda: kv.list_secrets(path="nothing"), "empty list is 404")
kv.delete_latest_version_of_secret(path="app/db")
raises(exceptions.InvalidPath, lambda: kv.read_secret_version(path="app/db"), "deleted is 404")
kv.undelete_secret_versions(path="app/db", versions=[3])
check(kv.read_secret_version(path="app/db")["data"]["data"]["password"] == "pw-3", "undeleted")
kv.destroy_secret_versions(path="app/db", versions=[1])
raises(exceptions.InvalidPath, lambda: kv.read_secret_version(path="app/db", version=1), "destroyed")
kv.delete_secret_versions(path="app/db", versions=[2])
meta = kv.read_secret_metadata(path="app/db")["data"]
check(meta["current_version"] == 3, "current_version")
check(meta["versions"]["1"]["destroyed"] is True, "v1 destroyed in metadata")
check(meta["versions"]["2"]["deletion_time"] != "", "v2 deleted in metadata")
kv.update_metadata(path="app/db", max_versions=5, cas_required=False)
check(kv.read_secret_metadata(path="app/db")["data"]["max_versions"] == 5, "metadata update")
kv.configure(max_versions=7)
check(kv.read_configuration()["data"]["max_versions"] == 7, "engine config")
kv.delete_metadata_and_all_versions(path="app/cache")
raises(exceptions.InvalidPath, lambda: kv.read_secret_metadata(path="app/cache"), "metadata deleted")

# -- mounts: a team's own KV v2 mount --------------------------------------
client.sys.enable_secrets_engine(backend_type="kv", path="team-ml", options={"version": "2"})
mounts = client.sys.list_mounted_secrets_engines()["data"]
check(mounts["team-ml/"]["options"]["version"] == "2" and mounts["team-ml/"]["type"] == "kv", "mount listed")
raises(exceptions.InvalidRequest,
       lambda: client.sys.enable_secrets_engine(backend_type="kv", path="team-ml", options={"version": "2"}),
       "mount path in use")
kv.create_or_update_secret(path="model/key", secret={"k": "ml"}, mount_point="team-ml")
check(kv.read_secret_version(path="model/key", mount_point="team-ml")["data"]["data"]["k"] == "ml",
      "read on the new mount")
raises(exceptions.InvalidPath, lambda: kv.read_secret_version(path="model/key"), "mounts are separate")
client.sys.disable_secrets_engine(path="team-ml")
check("team-ml/" not in client.sys.list_mounted_secrets_engines()["data"], "unmounted")

# -- policies and a denied read -------------------------------------------
client.sys.create_or_update_policy(
    name="app-read",
    policy='path "secret/data/app/*" { capabilities = ["read"] }\n'
           'path "secret/metadata/app/*" { capabilities = ["list"] }\n'
           'path "auth/token/create" { capabilities = ["update"] }\n')
check("app-read" in client.sys.list_policies()["data"]["policies"], "policy listed")
check("secret/data/app/*" in client.sys.read_policy("app-read")["data"]["rules"], "policy read")

# -- tokens ----------------------------------------------------------------
tok = client.auth.token.create(policies=["app-read"], ttl="1h")
check(tok["auth"]["policies"] == ["app-read", "default"], "token policies %r" % tok["auth"]["policies"])
check(0 < tok["auth"]["lease_duration"] <= 3600, "token ttl")
child = hvac.Client(url=addr, token=tok["auth"]["client_token"])
check(child.secrets.kv.v2.read_secret_version(path="app/db")["data"]["data"]["user"] == "svc",
      "allowed read")
raises(exceptions.Forbidden, lambda: child.secrets.kv.v2.read_secret_version(path="other/thing"),
       "denied read is 403")
raises(exceptions.Forbidden,
       lambda: child.secrets.kv.v2.create_or_update_secret(path="app/db", secret={"x": "y"}),
       "denied write is 403")
look = client.auth.token.lookup(tok["auth"]["client_token"])["data"]
check(look["policies"] == ["app-read", "default"] and look["accessor"] == tok["auth"]["accessor"], "lookup")
check(child.auth.token.lookup_self()["data"]["accessor"] == tok["auth"]["accessor"], "lookup-self")
check(client.auth.token.lookup_accessor(tok["auth"]["accessor"])["data"]["id"] == "", "lookup-accessor")
ren = client.auth.token.renew(tok["auth"]["client_token"], increment="2h")
check(ren["auth"]["lease_duration"] > 3600, "renew extends")
grand = child.auth.token.create(policies=["app-read"], ttl="10m")
grand_client = hvac.Client(url=addr, token=grand["auth"]["client_token"])
check(grand_client.is_authenticated(), "grandchild works")
client.auth.token.revoke(tok["auth"]["client_token"])
check(not child.is_authenticated(), "revoked token fails")
check(not grand_client.is_authenticated(), "revoking a parent revokes its children")
raises(exceptions.Forbidden, lambda: hvac.Client(url=addr, token="cst.bogus").secrets.kv.v2.read_secret_version(path="app/db"),
       "bad token is 403")
orphan = client.auth.token.create(policies=["default"], no_parent=True)
check(orphan["auth"]["orphan"] is True, "orphan")
client.auth.token.revoke_accessor(orphan["auth"]["accessor"])
raises(exceptions.Forbidden, lambda: client.auth.token.lookup(orphan["auth"]["client_token"]), "revoked by accessor")
self_tok = client.auth.token.create(policies=["default"], ttl="5m")
sc = hvac.Client(url=addr, token=self_tok["auth"]["client_token"])
sc.auth.token.renew_self()
sc.auth.token.revoke_self()
check(not sc.is_authenticated(), "revoke-self")
client.sys.delete_policy("app-read")
check("app-read" not in client.sys.list_policies()["data"]["policies"], "policy deleted")

# -- audit devices ----------------------------------------------------------
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

logdir = tempfile.mkdtemp(prefix="custos-hvac-audit.")
logfile = os.path.join(logdir, "audit.log")
client.sys.enable_audit_device("file", description="hvac test", options={"file_path": logfile})
devices = client.sys.list_enabled_audit_devices()
check(devices["data"]["file/"]["type"] == "file", "audit device listed: %r" % devices["data"])
check(devices["data"]["file/"]["options"]["file_path"] == logfile, "audit options listed")
check(devices["file/"]["description"] == "hvac test", "sys/audit keys at the top level too")
raises(exceptions.InvalidRequest,
       lambda: client.sys.enable_audit_device("file", options={"file_path": logfile}),
       "same path twice refused")
kv.create_or_update_secret(path="audited", secret={"token": "tok-hvac-audit-7f3a"})
hashed = client.sys.calculate_hash("file", "tok-hvac-audit-7f3a")["data"]["hash"]
check(hashed.startswith("hmac-sha256:"), "audit-hash")
text = open(logfile).read()
check("tok-hvac-audit-7f3a" not in text, "no secret value in the audit log")
check(hashed in text, "audit-hash finds the value in the log")
check(client.token not in text, "no raw token in the audit log")
lines = [json.loads(line) for line in text.splitlines()]
check(lines[0]["type"] == "chain" and lines[-1]["type"] in ("request", "response"), "entry types")
check(all(line["seq"] == i + 1 for i, line in enumerate(lines)), "seq numbers")
client.sys.disable_audit_device("file")
check("file/" not in client.sys.list_enabled_audit_devices()["data"], "audit device disabled")
shutil.rmtree(logdir)

# -- userpass --------------------------------------------------------------
client.sys.enable_auth_method(method_type="userpass")
check("userpass/" in client.sys.list_auth_methods()["data"], "userpass listed")
raises(exceptions.InvalidRequest, lambda: client.sys.enable_auth_method(method_type="userpass"),
       "userpass enabled twice")
client.sys.create_or_update_policy(
    name="app-read", policy='path "secret/data/app/*" { capabilities = ["read"] }\n')
client.auth.userpass.create_or_update_user(username="alice", password="pw-alice", policies=["app-read"])
check(client.auth.userpass.read_user("alice")["data"]["token_policies"] == ["app-read"], "user read")
check(client.auth.userpass.list_user()["data"]["keys"] == ["alice"], "user list")
up = hvac.Client(url=addr)
login = up.auth.userpass.login(username="alice", password="pw-alice")
check(login["auth"]["policies"] == ["app-read", "default", "personal"], "login policies %r" % login["auth"]["policies"])
check(login["auth"]["metadata"] == {"username": "alice"}, "login metadata")
check(up.token == login["auth"]["client_token"] and up.is_authenticated(), "hvac keeps the login token")
check(up.auth.token.lookup_self()["data"]["display_name"] == "userpass-alice", "display name")
check(up.secrets.kv.v2.read_secret_version(path="app/db")["data"]["data"]["user"] == "svc", "userpass token reads")
raises(exceptions.Forbidden, lambda: up.secrets.kv.v2.read_secret_version(path="other/thing"),
       "userpass token denied elsewhere")
raises(exceptions.InvalidRequest, lambda: hvac.Client(url=addr).auth.userpass.login("alice", "wrong"),
       "wrong password is 400")
legacy = hvac.Client(url=addr)
legacy.auth_userpass("alice", "pw-alice")
check(legacy.is_authenticated(), "legacy auth_userpass")
client.auth.userpass.update_password_on_user(username="alice", password="pw-alice-2")
raises(exceptions.InvalidRequest, lambda: hvac.Client(url=addr).auth.userpass.login("alice", "pw-alice"),
       "old password refused")
hvac.Client(url=addr).auth.userpass.login("alice", "pw-alice-2")
client.auth.userpass.delete_user("alice")
check(not up.is_authenticated(), "deleting the user revokes its tokens")

# -- approle ---------------------------------------------------------------
client.sys.enable_auth_method(method_type="approle")
ar = client.auth.approle
ar.create_or_update_approle(role_name="svc", token_policies=["app-read"], token_ttl="10m",
                            secret_id_num_uses=2, secret_id_ttl="1h")
role = ar.read_role("svc")["data"]
check(role["token_policies"] == ["app-read"] and role["token_ttl"] == 600, "role read %r" % role)
check(role["secret_id_num_uses"] == 2 and role["secret_id_ttl"] == 3600, "role secret_id limits")
check(ar.list_roles()["data"]["keys"] == ["svc"], "role list")
role_id = ar.read_role_id("svc")["data"]["role_id"]
gen = ar.generate_secret_id("svc", metadata={"host": "web-1"}, cidr_list=["127.0.0.1/32"])
secret_id = gen["data"]["secret_id"]
check(gen["data"]["secret_id_num_uses"] == 2, "secret_id uses")
look = ar.read_secret_id("svc", secret_id)["data"]
check(look["metadata"] == {"host": "web-1"} and look["cidr_list"] == ["127.0.0.1/32"], "secret_id lookup")
check(ar.list_secret_id_accessors("svc")["data"]["keys"] == [gen["data"]["secret_id_accessor"]], "accessors")
check(ar.read_secret_id_accessor("svc", gen["data"]["secret_id_accessor"])["data"]["secret_id_num_uses"] == 2,
      "accessor lookup")
svc = hvac.Client(url=addr)
auth = svc.auth.approle.login(role_id=role_id, secret_id=secret_id)["auth"]
check(auth["policies"] == ["app-read", "default"] and 0 < auth["lease_duration"] <= 600, "approle login %r" % auth)
check(auth["metadata"]["role_name"] == "svc" and auth["metadata"]["host"] == "web-1", "approle metadata")
check(svc.secrets.kv.v2.read_secret_version(path="app/db")["data"]["data"]["user"] == "svc", "approle token reads")
raises(exceptions.Forbidden, lambda: svc.secrets.kv.v2.read_secret_version(path="other/thing"),
       "approle token denied elsewhere")
legacy = hvac.Client(url=addr)
legacy.auth_approle(role_id, secret_id)
check(legacy.is_authenticated(), "legacy auth_approle (second and last use)")
raises(exceptions.InvalidRequest, lambda: hvac.Client(url=addr).auth.approle.login(role_id, secret_id),
       "a used-up secret_id is 400")
other = ar.generate_secret_id("svc")["data"]
ar.destroy_secret_id("svc", other["secret_id"])
raises(exceptions.InvalidRequest, lambda: hvac.Client(url=addr).auth.approle.login(role_id, other["secret_id"]),
       "a destroyed secret_id is 400")
third = ar.generate_secret_id("svc")["data"]
ar.destroy_secret_id_accessor("svc", third["secret_id_accessor"])
raises(exceptions.InvalidRequest, lambda: hvac.Client(url=addr).auth.approle.login(role_id, third["secret_id"]),
       "destroyed by accessor")
ar.delete_role("svc")
check(not svc.is_authenticated(), "deleting the role revokes its tokens")
client.sys.disable_auth_method("approle")
client.sys.disable_auth_method("userpass")
check("userpass/" not in client.sys.list_auth_methods()["data"], "userpass disabled")

# -- seal ------------------------------------------------------------------
client.sys.seal()
check(client.sys.is_sealed(), "sealed again")
raises(exceptions.VaultDown, lambda: kv.read_secret_version(path="app/db"), "sealed is 503")
client.sys.submit_unseal_keys(init["keys_base64"][0:3])
check(kv.read_secret_version(path="app/db")["data"]["data"]["user"] == "svc", "data survives seal")

print("hvac: %d passed, 0 failed" % checks)
