"""gen_audit_log.py - a synthetic audit log for bench/report.sh: lines in
custos's entry layout (docs/audit.md; values as HMACs), request and
response entries of 40 principals in 6 teams over the last 60 days in time
order, 1 % failed userpass logins, a root token now and then, and a chain
line first. The chain values are not real (the report does not check
them). usage: gen_audit_log.py FILE MEGABYTES"""
import datetime
import random
import sys

path, mb = sys.argv[1], int(sys.argv[2])
random.seed(1)
H = "hmac-sha256:" + "ab" * 32
teams = ["ml", "data", "platform", "web", "search", "ops"]
people = []
for i in range(40):
    t = random.sample(teams, random.choice([1, 1, 2]))
    approle = i % 4 == 0
    people.append({
        "display_name": "approle" if approle else "userpass-user%02d" % i,
        "metadata": {"role_name": "svc%02d" % i} if approle else {"username": "user%02d" % i},
        "teams": t, "entity": "%08x-0000-4000-8000-%012x" % (i, i),
    })
now = datetime.datetime.now(datetime.timezone.utc)
start = now - datetime.timedelta(days=60)
target = mb * 1024 * 1024
# about 1.3 KB a request + response pair; spread the requests evenly over 60 days
pairs = target // 1300
step = datetime.timedelta(days=60) / max(pairs, 1)
out = open(path, "w")
written = out.write('{"time":"%s","type":"chain","device":"file/","reason":"enable","prev_seq":0,'
                    '"prev_chain":"%s","seq":1,"chain":"%s"}\n' % (start.strftime("%Y-%m-%dT%H:%M:%SZ"), H, H))
seq, t = 2, start
while written < target:
    t += step
    ts = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    r = random.random()
    if r < 0.01:
        user = "user%02d" % random.randrange(60)
        req = ('"request":{"id":"%08x-aaaa-4bbb-8ccc-%012x","operation":"update","mount_type":"userpass",'
               '"mount_point":"auth/userpass/","namespace":{"id":"root"},"path":"auth/userpass/login/%s",'
               '"data":{"password":"%s"},"remote_address":"10.1.%d.%d"}'
               % (seq, seq, user, H, random.randrange(4), random.randrange(250)))
        auth, err = '"auth":{}', ',"error":"invalid username or password"'
    else:
        p = random.choice(people)
        root = r > 0.995
        pol = '["root"]' if root else '["default","team-%s"]' % p["teams"][0]
        meta = ",".join('"%s":"%s"' % kv for kv in p["metadata"].items())
        auth = ('"auth":{"client_token":"%s","accessor":"%s","display_name":"%s","policies":%s,'
                '"token_policies":%s,"metadata":{%s},"entity_id":"%s","token_type":"service",'
                '"token_ttl":2764800,"token_issue_time":"%s","teams":[%s]}'
                % (H, H, "root" if root else p["display_name"], pol, pol, meta, p["entity"],
                   start.strftime("%Y-%m-%dT%H:%M:%SZ"), ",".join('"%s"' % x for x in p["teams"])))
        op = random.choice(["read", "read", "read", "update", "list"])
        mount = "teams/%s/" % p["teams"][0] if random.random() < 0.5 else "secret/"
        body = ',"data":{"data":{"api_key":"%s"}}' % H if op == "update" else ""
        req = ('"request":{"id":"%08x-aaaa-4bbb-8ccc-%012x","operation":"%s","mount_type":"kv",'
               '"mount_point":"%s","client_token":"%s","client_token_accessor":"%s",'
               '"namespace":{"id":"root"},"path":"%sdata/app/key%03d"%s,"remote_address":"10.0.%d.%d"}'
               % (seq, seq, op, mount, H, H, mount, random.randrange(500), body, random.randrange(4),
                  random.randrange(250)))
        err = ""
    # the error goes with the response entry, as custos writes it for a handler's failure
    line = '{"time":"%s","type":"request",%s,%s,"seq":%d,"chain":"%s"}\n' % (ts, auth, req, seq, H)
    written += out.write(line)
    resp = ('{"time":"%s","type":"response",%s,%s,"response":{"mount_type":"kv"}%s,"seq":%d,"chain":"%s"}\n'
            % (ts, auth, req, err, seq + 1, H))
    written += out.write(resp)
    seq += 2
out.close()
