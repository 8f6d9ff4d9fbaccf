'use strict';
/* hashi-vault-js 0.5.1 (npm, pinned in package.json), unmodified, against
 * custos server. Run by tests/compat/run.sh with VAULT_ADDR pointing at a
 * fresh server started with --config (uninitialised). Covers: unseal,
 * health, seal status, KV v2 full cycle, tokens, a denied read, seal.
 *
 * The client talks plain HTTP: its constructor takes {https: false (the
 * default), baseUrl}; only the default baseUrl is https. It always sends
 * X-Vault-Namespace: "" and X-Application-Name, and createKVSecret always
 * sends options.cas = 0. It resolves with response.auth, else
 * response.data.data, else response.data, else {status, statusText} (204);
 * it rejects with the axios error (error.response.status/.data) for any
 * non-2xx status, health included.
 *
 * hashi-vault-js 0.5.1 has no method for sys/init, sys/policy, sys/leader
 * or KV PATCH: initialisation and the policy write go over plain HTTP
 * (fetch), marked "raw" below; everything else is the client's own call. */
const assert = require('node:assert/strict');

const addr = process.env.VAULT_ADDR;
let checks = 0;

function check(cond, what) {
    checks += 1;
    if (!cond) throw new Error(`FAIL: ${what}`);
}

function checkEq(got, want, what) {
    checks += 1;
    try {
        assert.deepStrictEqual(got, want);
    } catch (e) {
        throw new Error(`FAIL: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
}

/* Expects the promise to reject with an HTTP status; returns the body. */
async function rejects(promise, status, what) {
    let res;
    try {
        res = await promise;
    } catch (e) {
        const got = e.response && e.response.status;
        check(got === status, `${what}: status ${got} (${e.message}), want ${status}`);
        check(e.isVaultError === true, `${what}: recognised as a Vault error`);
        return e.response.data;
    }
    check(false, `${what}: resolved with ${JSON.stringify(res)}, want status ${status}`);
    return undefined;
}

/* Plain HTTP for what hashi-vault-js has no method for. */
async function raw(method, path, token, body) {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers['X-Vault-Token'] = token;
    const res = await fetch(`${addr}/v1/${path}`, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function main() {
    const { default: Vault } = await import('hashi-vault-js');
    const vault = new Vault({ https: false, baseUrl: `${addr}/v1`, timeout: 20000 });

    // -- health before init: any non-2xx status rejects ------------------------
    let body = await rejects(vault.healthCheck(), 501, 'health while uninitialised is 501');
    check(body.initialized === false, 'health body while uninitialised');

    // -- initialise (raw) and unseal -----------------------------------------
    const initRes = await raw('PUT', 'sys/init', null, { secret_shares: 3, secret_threshold: 2 });
    check(initRes.status === 200 && initRes.body.keys.length === 3, 'raw init');
    const init = initRes.body;
    const root = init.root_token;
    let st = await vault.sealStatus();
    check(st.sealed === true && st.initialized === true && st.t === 2 && st.n === 3, 'sealStatus after init');
    body = await rejects(vault.healthCheck(), 503, 'health while sealed is 503');
    check(body.sealed === true, 'health body while sealed');
    await rejects(vault.readKVSecret(root, 'app/db'), 503, 'KV while sealed is 503');
    st = await vault.sysUnseal(undefined, init.keys[0]);
    check(st.sealed === true && st.progress === 1, 'unseal 1/2');
    await rejects(vault.sysUnseal(undefined, 'not a key!'), 400, 'badly encoded unseal key is 400');
    st = await vault.sysUnseal(undefined, init.keys[1]);
    check(st.sealed === false && st.progress === 0, 'unsealed with two keys');

    // -- health --------------------------------------------------------------
    let health = await vault.healthCheck();
    check(health.initialized === true && health.sealed === false && health.standby === false,
        'health when active');
    health = await vault.healthCheck({ standbyok: true, perfstandbyok: true });
    check(health.sealed === false, 'health with query parameters');

    // -- KV v2 full cycle -----------------------------------------------------
    let w = await vault.createKVSecret(root, 'app/db', { user: 'svc', password: 'pw-1' });
    check(w.version === 1 && w.destroyed === false && w.deletion_time === '', 'create (cas 0) makes v1');
    body = await rejects(vault.createKVSecret(root, 'app/db', { user: 'x' }), 400,
        'create of an existing key (cas 0) is 400');
    check(/check-and-set/.test(body.errors[0]), `cas mismatch message ${body.errors[0]}`);
    w = await vault.updateKVSecret(root, 'app/db', { user: 'svc', password: 'pw-2' }, 1);
    check(w.version === 2, 'update with cas 1 makes v2');
    w = await vault.updateKVSecret(root, 'app/db', { user: 'svc', password: 'pw-3' }, 2);
    check(w.version === 3, 'update with cas 2 makes v3');
    let r = await vault.readKVSecret(root, 'app/db');
    checkEq(r.data, { user: 'svc', password: 'pw-3' }, 'read latest');
    check(r.metadata.version === 3 && r.metadata.custom_metadata === null, 'latest metadata');
    r = await vault.readKVSecret(root, 'app/db', 1);
    check(r.data.password === 'pw-1' && r.metadata.version === 1, 'read version 1');
    await vault.createKVSecret(root, 'app/cache', { url: 'redis://x' });
    await vault.createKVSecret(root, 'other/thing', { k: 'v' });
    let l = await vault.listKVSecrets(root, 'app');
    checkEq(l.keys.slice().sort(), ['cache', 'db'], 'list app');
    l = await vault.listKVSecrets(root);
    checkEq(l.keys.slice().sort(), ['app/', 'other/'], 'list root (LIST secret/metadata, no slash)');
    await rejects(vault.listKVSecrets(root, 'nothing'), 404, 'empty list is 404');
    await rejects(vault.readKVSecret(root, 'nothing'), 404, 'missing key is 404');

    let d = await vault.deleteLatestVerKVSecret(root, 'app/db');
    check(d.status === 204, 'delete latest is 204');
    body = await rejects(vault.readKVSecret(root, 'app/db'), 404, 'deleted latest is 404');
    check(body.data.data === null && body.data.metadata.version === 3, 'deleted 404 carries metadata');
    d = await vault.undeleteVersionsKVSecret(root, 'app/db', [3]);
    check(d.status === 204, 'undelete is 204');
    check((await vault.readKVSecret(root, 'app/db')).data.password === 'pw-3', 'undeleted');
    d = await vault.destroyVersionsKVSecret(root, 'app/db', [1]);
    check(d.status === 204, 'destroy is 204');
    body = await rejects(vault.readKVSecret(root, 'app/db', 1), 404, 'destroyed version is 404');
    check(body.data.metadata.destroyed === true, 'destroyed 404 metadata');
    d = await vault.deleteVersionsKVSecret(root, 'app/db', [2]);
    check(d.status === 204, 'delete versions is 204');
    let meta = await vault.readKVSecretMeta(root, 'app/db');
    check(meta.current_version === 3, 'current_version');
    check(meta.versions['1'].destroyed === true, 'v1 destroyed in metadata');
    check(meta.versions['2'].deletion_time !== '' && meta.versions['3'].deletion_time === '',
        'v2 deleted in metadata');
    await vault.updateKVSecretMeta(root, 'app/db', { max_versions: 5, custom_metadata: { owner: 'ops' } });
    meta = await vault.readKVSecretMeta(root, 'app/db');
    check(meta.max_versions === 5, 'metadata max_versions');
    checkEq(meta.custom_metadata, { owner: 'ops' }, 'metadata custom_metadata');
    await vault.createKVSecretMeta(root, 'app/new', { max_versions: 2 });
    meta = await vault.readKVSecretMeta(root, 'app/new');
    check(meta.max_versions === 2 && meta.current_version === 0, 'metadata without a version');
    w = await vault.createKVSecret(root, 'app/new', { a: '1' });
    check(w.version === 1, 'create after metadata-only (cas 0 still matches)');
    await vault.updateKVEngineConfig(root, { max_versions: 7 });
    check((await vault.readKVEngineConfig(root)).max_versions === 7, 'engine config');
    d = await vault.eliminateKVSecret(root, 'app/cache');
    check(d.status === 204, 'metadata delete is 204');
    await rejects(vault.readKVSecretMeta(root, 'app/cache'), 404, 'metadata deleted');

    // -- policy (raw: no hashi-vault-js method) and a denied read --------------
    const pol = await raw('PUT', 'sys/policy/app-read', root, {
        policy: 'path "secret/data/app/*" { capabilities = ["read"] }\n' +
            'path "secret/metadata/app/*" { capabilities = ["list"] }\n' +
            'path "auth/token/create" { capabilities = ["update"] }\n',
    });
    check(pol.status === 204, `raw policy write: ${pol.status}`);

    // -- tokens ----------------------------------------------------------------
    const tok = await vault.createToken(root, { policies: ['app-read'], ttl: '1h', meta: { app: 'x' } });
    checkEq(tok.policies, ['app-read', 'default'], 'token policies');
    check(tok.lease_duration > 0 && tok.lease_duration <= 3600 && tok.renewable === true, 'token ttl');
    check(tok.token_type === 'service' && tok.orphan === false, 'service token');
    checkEq(tok.metadata, { app: 'x' }, 'token metadata');
    const child = tok.client_token;
    check((await vault.readKVSecret(child, 'app/db')).data.user === 'svc', 'allowed read');
    checkEq((await vault.listKVSecrets(child, 'app')).keys.slice().sort(), ['db', 'new'], 'allowed list');
    body = await rejects(vault.readKVSecret(child, 'other/thing'), 403, 'denied read is 403');
    check(/permission denied/.test(body.errors[0]), 'denied read message');
    await rejects(vault.createKVSecret(child, 'app/x', { a: 'b' }), 403, 'denied write is 403');
    await rejects(vault.readKVSecretMeta(child, 'app/db'), 403, 'denied metadata read is 403');

    let look = await vault.lookupToken(root, child);
    check(look.accessor === tok.accessor && look.id === child, 'lookup');
    checkEq(look.policies, ['app-read', 'default'], 'lookup policies');
    checkEq(look.meta, { app: 'x' }, 'lookup meta');
    look = await vault.lookupSelfToken(child);
    check(look.accessor === tok.accessor && look.ttl > 0, 'lookup-self');
    look = await vault.lookupAccessor(root, tok.accessor);
    check(look.id === '' && look.accessor === tok.accessor, 'lookup-accessor');
    let ren = await vault.renewToken(root, child, '2h');
    check(ren.lease_duration > 3600 && ren.client_token === child, 'renew extends');
    ren = await vault.renewSelfToken(child);
    check(ren.client_token === child && ren.lease_duration > 0, 'renew-self without increment');
    ren = await vault.renewSelfToken(child, '30m');
    check(ren.lease_duration > 0 && ren.lease_duration <= 1800, 'renew-self with increment');
    const grand = await vault.createToken(child, { policies: ['app-read'], ttl: '10m' });
    check((await vault.lookupSelfToken(grand.client_token)).ttl > 0, 'grandchild works');
    d = await vault.revokeToken(root, child);
    check(d.status === 204, 'revoke is 204');
    await rejects(vault.lookupSelfToken(child), 403, 'revoked token is 403');
    await rejects(vault.lookupSelfToken(grand.client_token), 403, 'revoking a parent revokes its children');
    await rejects(vault.readKVSecret('cst.bogus', 'app/db'), 403, 'bad token is 403');
    await rejects(vault.lookupToken(root, 'cst.bogus'), 403, 'lookup of unknown token is 403');

    const orphan = await vault.createToken(root, { policies: ['default'], no_parent: true });
    check(orphan.orphan === true, 'orphan via no_parent');
    const accessors = await vault.listAccessors(root);
    check(accessors.keys.includes(orphan.accessor), 'list accessors (LIST, sudo)');
    d = await vault.revokeAccessor(root, orphan.accessor);
    check(d.status === 204, 'revoke-accessor is 204');
    await rejects(vault.lookupToken(root, orphan.client_token), 403, 'revoked by accessor');

    const selfTok = await vault.createToken(root, { policies: ['default'], ttl: '5m' });
    d = await vault.revokeSelfToken(selfTok.client_token);
    check(d.status === 204, 'revoke-self is 204 (POST, no body)');
    await rejects(vault.lookupSelfToken(selfTok.client_token), 403, 'revoke-self');

    // -- seal --------------------------------------------------------------------
    d = await vault.sysSeal(root);
    check(d.status === 204, 'seal is 204');
    check((await vault.sealStatus()).sealed === true, 'sealed again');
    await rejects(vault.readKVSecret(root, 'app/db'), 503, 'sealed is 503');
    await vault.sysUnseal(root, init.keys_base64[1]);
    st = await vault.sysUnseal(root, init.keys_base64[2]);
    check(st.sealed === false, 'unsealed with base64 keys');
    check((await vault.readKVSecret(root, 'app/db')).data.user === 'svc', 'data survives seal');

    console.log(`hashi-vault-js: ${checks} passed, 0 failed`);
}

main().catch((e) => {
    console.log(e.message);
    if (e.response) console.log('  response:', e.response.status, JSON.stringify(e.response.data));
    console.log(`hashi-vault-js: ${checks - (e.message.startsWith('FAIL') ? 1 : 0)} passed, 1 failed`);
    process.exit(1);
});
