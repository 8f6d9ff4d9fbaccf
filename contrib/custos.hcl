# /etc/custos/custos.hcl - custos server, production (docs/production.md).
# Vault's configuration syntax; custos reads the settings below and ignores
# the Vault settings it has no use for (ui, disable_mlock, cluster_addr...).
# Owner root, group custos, mode 0640: the server only reads it.

# The vault: one SQLite file in WAL mode, every write acknowledged only once
# it is on disk. The directory is systemd's StateDirectory (owned by the
# custos user, mode 0700); the server creates the file at `operator init`
# and keeps vault.db-wal and vault.db-shm next to it. Keep it on a local
# disk: SQLite's locking is not reliable over NFS.
storage "sqlite" {
  path = "/var/lib/custos/vault.db"
}

listener "tcp" {
  # IPv4 HOST:PORT. 0.0.0.0 to serve every interface; prefer the one
  # address clients use, and firewall the port to the hosts that need it.
  address = "0.0.0.0:8200"

  # TLS is on unless tls_disable = true (never in production: tokens and
  # secret values travel in every request). PEM files, read once at start:
  # restart the service after renewing them. The key must be readable by
  # the custos user only (owner root, group custos, mode 0640).
  tls_cert_file = "/etc/custos/tls/custos.crt"   # certificate, then any intermediates
  tls_key_file  = "/etc/custos/tls/custos.key"

  # Limits.
  # Largest request body, bytes; a larger one is refused with 413. Secrets
  # are small: 1 MiB leaves room for big JSON documents.
  max_request_size = 1048576
  # Open connections at once (custos; Vault has no such setting). One past
  # it is closed as soon as it is accepted. Keep it under the unit's
  # LimitNOFILE (8192) minus a few descriptors for the vault files.
  max_connections = 1024
  # A connection idle (or a client this slow) for this long is closed.
  timeout = "30s"
  # Event-loop threads, which also answer reads (custos). The default, one
  # fewer than the cores, leaves a core to the write workers and the
  # kernel's network work; on a host that runs nothing else, the number of
  # cores gives more reads a second at a longer tail.
  # http_threads = 3
}
