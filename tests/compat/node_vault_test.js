'use strict';
/* node-vault 0.12.0 (npm, pinned in package.json), unmodified, against custos
 * server. Run by tests/compat/run.sh with VAULT_ADDR pointing at a fresh
 * server started with --config (uninitialised). Covers: initialise +
 * unseal, health for every status, KV v2 full cycle through the generic
 * read/write/update (PATCH)/list/delete calls, tokens, policies with a
 * denied read, userpass and approle logins (userpassLogin, approleLogin)
 * with a denied read on their tokens, seal.
 *
 * node-vault resolves with the parsed body on 200/204 and rejects with
 * ApiResponseError {response: {statusCode, body}} otherwise, except on
 * sys/health which resolves for any status (vault-api.md 5.2). */
const assert = require('node:assert/strict');
const nodeVault = require('node-vault');

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
        const got = e.response && e.response.statusCode;
        check(got === status, `${what}: status ${got} (${e.message}), want ${status}`);
        return e.response.body;
    }
    check(false, `${what}: resolved with ${JSON.stringify(res)}, want status ${status}`);
    return undefined;
}

const client = (token) => nodeVault({ endpoint: addr, token, requestOptions: { timeout: 20000 } });

async function main() {
    const vault = client();

    // -- health before init: node-vault resolves for any status ------------
    let health = await vault.health();
    check(health.initialized === false, 'health body while uninitialised (501)');

    // -- initialise and unseal ---------------------------------------------
    checkEq(await vault.initialized(), { initialized: false }, 'not initialised at first');
    const init = await vault.init({ secret_shares: 5, secret_threshold: 3 });
    check(init.keys.length === 5 && init.keys_base64.length === 5, 'five unseal keys');
    check(typeof init.root_token === 'string' && init.root_token.length > 0, 'root token');
    check((await vault.status()).sealed === true, 'sealed after init');
    await rejects(vault.init({ secret_shares: 1, secret_threshold: 1 }), 400, 'second init refused');
    health = await vault.health();
    check(health.initialized === true && health.sealed === true, 'health body while sealed (503)');
    let st = await vault.unseal({ key: init.keys[0] });
    check(st.sealed === true && st.progress === 1 && st.t === 3 && st.n === 5, 'unseal progress 1/3');
    st = await vault.unseal({ key: init.keys[1] });
    check(st.progress === 2, 'unseal progress 2/3');
    st = await vault.unseal({ key: init.keys[2] });
    check(st.sealed === false && st.progress === 0, 'unsealed with three keys');
    const rootToken = init.root_token;
    const root = client(rootToken);

    // -- health, leader ----------------------------------------------------
    health = await root.health();
    check(health.initialized === true && health.sealed === false && health.standby === false,
        'health body when active');
    check(typeof health.server_time_utc === 'number', 'health server_time_utc');
    health = await root.health({ standbyok: true, activecode: 299 });
    check(health.sealed === false, 'health with query parameters');
    check((await root.leader()).ha_enabled === false, 'leader');

    // -- KV v2 full cycle ----------------------------------------------------
    let w = await root.write('secret/data/app/db', { data: { user: 'svc', password: 'pw-1' } });
    check(w.data.version === 1 && w.data.destroyed === false, 'write v1');
    w = await root.write('secret/data/app/db', { options: { cas: 1 }, data: { user: 'svc', password: 'pw-2' } });
    check(w.data.version === 2, 'write v2 with cas');
    let body = await rejects(root.write('secret/data/app/db', { options: { cas: 1 }, data: { a: 'b' } }),
        400, 'cas mismatch');
    check(/check-and-set/.test(body.errors[0]), `cas mismatch message ${body.errors[0]}`);
    let r = await root.read('secret/data/app/db');
    checkEq(r.data.data, { user: 'svc', password: 'pw-2' }, 'read latest');
    check(r.data.metadata.version === 2 && r.data.metadata.deletion_time === '', 'latest metadata');
    check(r.lease_id === '' && r.renewable === false && r.wrap_info === null, 'envelope fields');
    r = await root.read('secret/data/app/db?version=1');
    check(r.data.data.password === 'pw-1' && r.data.metadata.version === 1, 'read ?version=1');
    // update() is an HTTP PATCH with application/merge-patch+json (RFC 7386).
    w = await root.update('secret/data/app/db', { data: { password: 'pw-3', tmp: 'x' } });
    check(w.data.version === 3, 'patch makes v3');
    w = await root.update('secret/data/app/db', { data: { tmp: null } });
    check(w.data.version === 4, 'patch makes v4');
    r = await root.read('secret/data/app/db');
    checkEq(r.data.data, { user: 'svc', password: 'pw-3' }, 'merge patch (null deletes)');
    body = await rejects(root.update('secret/data/app/nope', { data: { a: 'b' } }), 404, 'patch of a missing key');
    await root.write('secret/data/app/cache', { data: { url: 'redis://x' } });
    await root.write('secret/data/other/thing', { data: { k: 'v' } });
    let l = await root.list('secret/metadata/app');
    checkEq(l.data.keys.slice().sort(), ['cache', 'db'], 'list app (LIST, no trailing slash)');
    l = await root.list('secret/metadata/');
    checkEq(l.data.keys.slice().sort(), ['app/', 'other/'], 'list root');
    l = await client(rootToken).list('secret/metadata/app/');
    check(l.data.keys.length === 2, 'list with trailing slash');
    l = await nodeVault({ endpoint: addr, token: rootToken, noCustomHTTPVerbs: true }).list('secret/metadata/app');
    checkEq(l.data.keys.slice().sort(), ['cache', 'db'], 'list via GET ?list=1');
    await rejects(root.list('secret/metadata/nothing'), 404, 'empty list is 404');
    await rejects(root.read('secret/data/nothing'), 404, 'missing key is 404');

    await root.delete('secret/data/app/db');
    body = await rejects(root.read('secret/data/app/db'), 404, 'deleted latest is 404');
    check(body && body.data && body.data.data === null && body.data.metadata.version === 4 &&
        body.data.metadata.deletion_time !== '', 'deleted 404 carries the envelope with metadata');
    await root.write('secret/undelete/app/db', { versions: [4] });
    r = await root.read('secret/data/app/db');
    check(r.data.data.password === 'pw-3', 'undeleted');
    await root.destroySecretVersions({ path: 'app/db', versions: [1] });
    body = await rejects(root.read('secret/data/app/db?version=1'), 404, 'destroyed version is 404');
    check(body && body.data.metadata.destroyed === true, 'destroyed 404 metadata');
    await root.write('secret/destroy/app/db', { versions: [2] });
    await root.write('secret/delete/app/db', { versions: [3] });
    let meta = (await root.read('secret/metadata/app/db')).data;
    check(meta.current_version === 4, 'current_version');
    check(meta.versions['1'].destroyed === true && meta.versions['2'].destroyed === true, 'destroyed in metadata');
    check(meta.versions['3'].deletion_time !== '' && meta.versions['4'].deletion_time === '', 'deleted in metadata');
    await root.write('secret/metadata/app/db', { max_versions: 5, custom_metadata: { owner: 'ops' } });
    meta = (await root.read('secret/metadata/app/db')).data;
    check(meta.max_versions === 5, 'metadata max_versions');
    checkEq(meta.custom_metadata, { owner: 'ops' }, 'metadata custom_metadata');
    await root.update('secret/metadata/app/db', { custom_metadata: { team: 'blue' } });
    meta = (await root.read('secret/metadata/app/db')).data;
    checkEq(meta.custom_metadata, { owner: 'ops', team: 'blue' }, 'metadata merge patch');
    r = await root.read('secret/data/app/db');
    checkEq(r.data.metadata.custom_metadata, { owner: 'ops', team: 'blue' }, 'custom_metadata on data read');
    await root.write('secret/config', { max_versions: 7 });
    check((await root.read('secret/config')).data.max_versions === 7, 'engine config');
    await root.delete('secret/metadata/app/cache');
    await rejects(root.read('secret/metadata/app/cache'), 404, 'metadata deleted');

    // -- policies --------------------------------------------------------------
    const rules = 'path "secret/data/app/*" { capabilities = ["read"] }\n' +
        'path "secret/metadata/app/*" { capabilities = ["list"] }\n' +
        'path "auth/token/create" { capabilities = ["update"] }\n';
    // node-vault's README form: {rules}; Vault answers 200 with a deprecation warning.
    const added = await root.addPolicy({ name: 'app-read', rules });
    check(added === '' || (added && Array.isArray(added.warnings)), 'addPolicy with rules');
    await root.addPolicy({ name: 'other', policy: 'path "secret/data/other/*" { capabilities = ["read"] }' });
    const pols = await root.policies();
    check(pols.policies.includes('app-read') && pols.policies.includes('other'),
        'policies listed (top-level keys)');
    check(pols.data.policies.includes('root'), 'policies listed (data) with root');
    const pol = await root.getPolicy({ name: 'app-read' });
    check(pol.data.rules.includes('secret/data/app/*'), 'getPolicy data.rules');
    check(pol.rules === pol.data.rules && pol.name === 'app-read', 'getPolicy top-level rules (legacy injection)');
    await root.removePolicy({ name: 'other' });
    await rejects(root.getPolicy({ name: 'other' }), 404, 'removed policy is 404');

    // -- tokens ------------------------------------------------------------------
    const minter = client(rootToken);
    const tok = await minter.tokenCreate({ policies: ['app-read'], ttl: '1h' });
    checkEq(tok.auth.policies, ['app-read', 'default'], 'token policies');
    check(tok.auth.lease_duration > 0 && tok.auth.lease_duration <= 3600, 'token ttl');
    check(tok.auth.renewable === true && tok.auth.orphan === false, 'token flags');
    check(minter.token === tok.auth.client_token, 'tokenCreate adopts auth.client_token (tokenSource)');
    const child = client(tok.auth.client_token);
    r = await child.read('secret/data/app/db');
    check(r.data.data.user === 'svc', 'allowed read');
    l = await child.list('secret/metadata/app');
    checkEq(l.data.keys, ['db'], 'allowed list');
    body = await rejects(child.read('secret/data/other/thing'), 403, 'denied read is 403');
    check(/permission denied/.test(body.errors[0]), 'denied read message');
    await rejects(child.write('secret/data/app/db', { data: { x: 'y' } }), 403, 'denied write is 403');
    await rejects(child.update('secret/data/app/db', { data: { x: 'y' } }), 403, 'denied patch is 403');
    await rejects(child.addPolicy({ name: 'x', policy: 'path "*" { capabilities = ["sudo"] }' }), 403,
        'denied policy write is 403');

    let look = (await root.tokenLookup({ token: tok.auth.client_token })).data;
    checkEq(look.policies, ['app-read', 'default'], 'lookup policies');
    check(look.accessor === tok.auth.accessor && look.id === tok.auth.client_token, 'lookup accessor/id');
    check(look.ttl > 0 && look.path === 'auth/token/create' && look.type === 'service', 'lookup fields');
    look = (await child.tokenLookupSelf()).data;
    check(look.accessor === tok.auth.accessor, 'lookup-self');
    look = (await root.tokenLookupAccessor({ accessor: tok.auth.accessor })).data;
    check(look.id === '' && look.accessor === tok.auth.accessor, 'lookup-accessor');
    const renewer = client(rootToken);
    const ren = await renewer.tokenRenew({ token: tok.auth.client_token, increment: '2h' });
    check(ren.auth.lease_duration > 3600, 'renew extends');
    check(ren.auth.client_token === tok.auth.client_token, 'renew returns the renewed token');
    const grandMinter = client(tok.auth.client_token);
    const grand = await grandMinter.tokenCreate({ policies: ['app-read'], ttl: '10m' });
    const grandClient = client(grand.auth.client_token);
    check((await grandClient.tokenLookupSelf()).data.ttl > 0, 'grandchild works');
    await root.tokenRevoke({ token: tok.auth.client_token });
    await rejects(child.tokenLookupSelf(), 403, 'revoked token is 403');
    await rejects(grandClient.tokenLookupSelf(), 403, 'revoking a parent revokes its children');
    await rejects(client('cst.bogus').read('secret/data/app/db'), 403, 'bad token is 403');
    await rejects(root.tokenLookup({ token: 'cst.bogus' }), 403, 'lookup of unknown token is 403');

    const orphanMinter = client(rootToken);
    const orphan = await orphanMinter.tokenCreateOrphan({ policies: ['default'] });
    check(orphan.auth.orphan === true, 'create-orphan');
    await root.tokenRevokeAccessor({ accessor: orphan.auth.accessor });
    await rejects(root.tokenLookup({ token: orphan.auth.client_token }), 403, 'revoked by accessor');

    const selfTok = await client(rootToken).tokenCreate({ policies: ['default'], ttl: '5m' });
    const sc = client(selfTok.auth.client_token);
    const rs = await sc.tokenRenewSelf(); // POST with an empty body
    check(rs.auth.client_token === selfTok.auth.client_token && rs.auth.lease_duration > 0, 'renew-self, no body');
    const rs2 = await sc.tokenRenewSelf({ increment: 600 });
    check(rs2.auth.lease_duration > 0, 'renew-self with increment');
    await sc.tokenRevokeSelf();
    await rejects(sc.tokenLookupSelf(), 403, 'revoke-self');
    await root.removePolicy({ name: 'app-read' });
    check(!(await root.policies()).policies.includes('app-read'), 'policy deleted');

    // -- userpass and approle ---------------------------------------------------
    await root.addPolicy({ name: 'app-read2', policy: 'path "secret/data/app/*" { capabilities = ["read"] }' });
    await root.enableAuth({ mount_point: 'userpass', type: 'userpass', description: 'people' });
    const auths = await root.auths();
    check(auths['userpass/'].type === 'userpass' && auths.data['token/'].type === 'token',
        'auths (top-level and data)');
    await rejects(root.enableAuth({ mount_point: 'userpass', type: 'userpass' }), 400, 'enabled twice');
    await root.write('auth/userpass/users/bob', { password: 'pw-bob', policies: 'app-read2' });
    const up = client();
    const ul = await up.userpassLogin({ username: 'bob', password: 'pw-bob' });
    checkEq(ul.auth.policies, ['app-read2', 'default', 'personal'], 'userpass login policies');
    checkEq(ul.auth.metadata, { username: 'bob' }, 'userpass metadata');
    check(up.token === ul.auth.client_token, 'userpassLogin adopts the token (tokenSource)');
    check((await up.read('secret/data/app/db')).data.data.user === 'svc', 'userpass token reads');
    await rejects(up.read('secret/data/other/x'), 403, 'userpass token denied elsewhere');
    body = await rejects(client().userpassLogin({ username: 'bob', password: 'nope' }), 400, 'wrong password');
    checkEq(body.errors, ['invalid username or password'], 'wrong password message');
    await root.write('users/data/bob/k', { data: { v: '1' } }); // root may; bob's own folder
    check((await up.read('users/data/bob/k')).data.data.v === '1', 'personal folder');
    await rejects(up.read('users/data/alice/k'), 403, 'another user\'s folder');

    await root.enableAuth({ mount_point: 'approle', type: 'approle' });
    await root.addApproleRole({ role_name: 'svc', policies: 'app-read2', secret_id_num_uses: 1, token_ttl: 600 });
    const roleRead = await root.getApproleRole({ role_name: 'svc' });
    checkEq(roleRead.data.token_policies, ['app-read2'], 'role read');
    checkEq((await root.approleRoles()).data.keys, ['svc'], 'role list');
    const roleId = (await root.getApproleRoleId({ role_name: 'svc' })).data.role_id;
    const gen = await root.getApproleRoleSecret({ role_name: 'svc', metadata: '{"host":"web-2"}' });
    const secretId = gen.data.secret_id;
    const sl = await root.approleSecretLookup({ role_name: 'svc', secret_id: secretId });
    check(sl.data.metadata.host === 'web-2' && sl.data.secret_id_num_uses === 1, 'secret_id lookup');
    checkEq((await root.approleSecretAccessors({ role_name: 'svc' })).data.keys,
        [gen.data.secret_id_accessor], 'secret_id accessors');
    const svc = client();
    const al = await svc.approleLogin({ role_id: roleId, secret_id: secretId });
    checkEq(al.auth.policies, ['app-read2', 'default'], 'approle login policies');
    check(al.auth.lease_duration > 0 && al.auth.lease_duration <= 600, 'approle token ttl');
    check(svc.token === al.auth.client_token, 'approleLogin adopts the token');
    check((await svc.read('secret/data/app/db')).data.data.user === 'svc', 'approle token reads');
    await rejects(svc.write('secret/data/app/db', { data: { x: 'y' } }), 403, 'approle token may not write');
    body = await rejects(client().approleLogin({ role_id: roleId, secret_id: secretId }), 400, 'used up');
    checkEq(body.errors, ['invalid role or secret ID'], 'used-up message');
    await root.deleteApproleRole({ role_name: 'svc' });
    await rejects(svc.tokenLookupSelf(), 403, 'role deleted: its token revoked');
    await root.disableAuth({ mount_point: 'approle' });
    await root.disableAuth({ mount_point: 'userpass' });
    await rejects(up.tokenLookupSelf(), 403, 'userpass disabled: its tokens revoked');

    // -- seal ----------------------------------------------------------------------
    await root.seal();
    check((await vault.status()).sealed === true, 'sealed again');
    health = await vault.health();
    check(health.sealed === true, 'health resolves while sealed');
    await rejects(root.read('secret/data/app/db'), 503, 'sealed is 503');
    for (const key of init.keys_base64.slice(2, 5)) st = await vault.unseal({ key });
    check(st.sealed === false, 'unsealed with base64 keys');
    r = await root.read('secret/data/app/db');
    check(r.data.data.user === 'svc', 'data survives seal');

    console.log(`node-vault: ${checks} passed, 0 failed`);
}

main().catch((e) => {
    console.log(e.message);
    if (e.response) console.log('  response:', JSON.stringify(e.response));
    console.log(`node-vault: ${checks - (e.message.startsWith('FAIL') ? 1 : 0)} passed, 1 failed`);
    process.exit(1);
});
