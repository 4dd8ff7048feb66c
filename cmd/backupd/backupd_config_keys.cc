// The catalog of backupd's configuration keys: the list the parser accepts and the usage text
// that says what each means. Kept apart from the parser (backupd_config.cc) so that adding a key
// is two visible edits here plus its conversion there.
#include <string>
#include <vector>

#include "cmd/backupd/backupd_config.h"

namespace bb {

const std::vector<std::string>& BackupdConfigKeys() {
  static const std::vector<std::string> kKeys = {"listen",
                                                 "database",
                                                 "schema_dir",
                                                 "host",
                                                 "volume_driver",
                                                 "volumes_dir",
                                                 "file_driver_snapshots",
                                                 "file_driver_target_helper",
                                                 "iscsi_portal",
                                                 "backup_attach",
                                                 "backup_use_temp_snapshot",
                                                 "iscsi_initiator_name",
                                                 "iscsi_initiator",
                                                 "my_ip",
                                                 "object_store",
                                                 "store_path",
                                                 "default_container",
                                                 "chunk_size_mib",
                                                 "compression",
                                                 "compression_level",
                                                 "backup_format",
                                                 "backup_master_key_file",
                                                 "workers_per_job",
                                                 "changed_extent_incrementals",
                                                 "collect_on_delete",
                                                 "max_concurrent_jobs",
                                                 "backup_max_operations",
                                                 "log_level",
                                                 "port_file",
                                                 "operator_token_file",
                                                 "list_default_limit",
                                                 "list_max_limit",
                                                 "quota_backups",
                                                 "quota_backup_gigabytes",
                                                 "failpoints",
                                                 "api_enabled",
                                                 "api_listen",
                                                 "api_auth",
                                                 "api_port_file",
                                                 "role",
                                                 "volume_host_address",
                                                 "api_tls_cert_file",
                                                 "api_tls_key_file",
                                                 "grpc_tls_cert_file",
                                                 "grpc_tls_key_file",
                                                 "grpc_tls_client_ca_file",
                                                 "grpc_auth",
                                                 "backup_service_address",
                                                 "volume_service_address",
                                                 "backend_tls_ca_file",
                                                 "backend_tls_cert_file",
                                                 "backend_tls_key_file"};
  return kKeys;
}

std::string BackupdUsage() {
  return R"(usage: backupd [--config FILE] [--KEY=VALUE | --KEY VALUE]...
       backupd --list-failpoints    prints the failpoint table (name, where) and exits
       backupd [--config FILE] rotate-master-key --new-master-key-file FILE
                                    re-wraps every container key (keys/*.key) of the store from
                                    backup_master_key_file to FILE and exits (backupd stopped;
                                    no data is rewritten); then set backup_master_key_file = FILE

Serves VolumeService and BackupService over gRPC. Settings come from FILE (`key = value` lines,
`#` comment lines) and are overridden by flags of the same name.

keys (default):
  listen               HOST:PORT to serve on (127.0.0.1:8777; port 0 picks a free port)
  database             libpq conninfo, e.g. "host=/run/postgresql dbname=bb" (required)
  schema_dir           directory of NNNN_*.sql migrations (required)
  host                 this service's host name (gethostname)
  volume_driver        file | lvm | fake (file)
  volume_driver.KEY    an option of the volume driver, passed to it as KEY = value; the driver
                       refuses a KEY it does not know (volume_drivers/<driver>/<driver>_driver.h
                       lists them). The file driver's: volumes_dir, snapshots, target_helper,
                       iscsi_portal, iscsi_target_prefix. The lvm driver's: volume_group,
                       lvm_type, thin_pool, snapshot_cow_fraction, target_helper, iscsi_portal,
                       iscsi_target_prefix
  volumes_dir          directory of volume files (required for the file driver); an alias of
                       volume_driver.volumes_dir
  file_driver_snapshots  true | false (true), alias of volume_driver.snapshots (file driver):
                       false makes the file driver declare no snapshot
                       support while keeping its reflink clones, so backups of attached volumes
                       read a temporary clone (the path of a driver that can clone, not snapshot)
  file_driver_target_helper  none | tgt (none), alias of volume_driver.target_helper (file
                       driver): tgt exports volumes and snapshots over iSCSI
                       through tgtd (devstack/lib/tgt.sh), so backups can read them through an
                       iSCSI login (generated CHAP, this host's initiator and address as the ACL)
  iscsi_portal         where tgtd listens (127.0.0.1:3260), alias of volume_driver.iscsi_portal
                       (file driver)
  backup_attach        auto | local | remote (auto): auto reads the cheapest source the driver
                       offers; local never reads through an export; remote always does (a
                       temporary snapshot exported, logged in to with libiscsi, read over TCP)
  backup_use_temp_snapshot  true | false (true; Cinder's option): false makes backups of
                       volumes read a temporary clone (thin LV: a thin snapshot made a volume;
                       thick LV: a copy) even when the driver can snapshot; backups of a given
                       snapshot still read that snapshot
  iscsi_initiator_name this backup host's iSCSI initiator name
                       (iqn.2010-10.org.blockbackup:backupd)
  iscsi_initiator      libiscsi | iscsiadm (libiscsi): how remote reads log in. iscsiadm uses
                       open-iscsi's kernel initiator (iscsid, the iscsi_tcp module; its
                       InitiatorName= must equal iscsi_initiator_name) and reads a /dev node
  my_ip                this backup host's address, as targets see it (127.0.0.1)
  object_store         posix (posix)
  store_path           root directory of the posix object store (required for posix)
  default_container    container for backups that name none (backups)
  backup_format        v2 | v1 (v2): the storage format of NEW backups (v2: 32 KiB chunks in
                       32 MiB packs; backup_service/datapath/README.md); existing backups are
                       restored, deleted and exported in the format they were written in
  backup_master_key_file  file of exactly 32 random bytes (unset): new v2 containers are
                       encrypted (AES-256-GCM, keys wrapped by it); backupd does not start when
                       it cannot be read. Keep a copy outside the object store
  chunk_size_mib       v1 backup chunk size in MiB, 1..1024 (4)
  compression          zstd | lz4 | none (zstd): the codec of new chunks, each stored raw when
                       it does not shrink by 1/32; recorded per chunk, so restore, verify and
                       GC read any mix. lz4 is faster and stores more; it needs backup_format v2
  compression_level    zstd level, 1..19 (1 for v2, 3 for v1); lz4 and none ignore it
  workers_per_job      parallel chunk workers per backup/restore, 1..64 (2)
  changed_extent_incrementals  keep each v2 backup's temporary snapshot as the volume's
                       incremental base when the driver reports changed extents, so the next
                       --incremental reads only what changed since (true; false: remove every
                       temporary snapshot when its backup ends, incrementals re-read)
  collect_on_delete    run the garbage collector of a backup's container after each delete
                       (true); false: deletes only remove manifests and the operator runs
                       `backupctl gc --container C` (once for many deletes)
  max_concurrent_jobs  backups and restores running at once, 1..64 (4); more wait in a queue
                       (job phase queued, with their position); deletes do not count
  backup_max_operations  Cinder's name for max_concurrent_jobs (an alias; 0 is refused)
  log_level            debug | info | warning | error (info)
  port_file            write the bound port to this file once listening (unset)
  operator_token_file  file holding the operator's admin token, 32+ characters (unset: no admin)
  list_default_limit   page size of List calls that give no limit, 1..list_max_limit (100)
  list_max_limit       largest page a List call gets; larger limits are capped, 1..10000 (1000)
  api_enabled          serve the REST API (Cinder v3 subset) in this daemon (true)
  api_listen           HOST:PORT of the REST API (127.0.0.1:8776, Cinder's port)
  api_auth             token (API tokens, backupctl token create) | noauth: DEVELOPMENT ONLY,
                       X-Auth-Token USER:PROJECT is trusted as an admin, as Cinder's noauth (token)
  api_port_file        write the REST API's bound port to this file (unset)
  role                 all | volume | backup | api (all): volume runs the volume driver, its
                       exports, VolumeService and the internal VolumeHostService; backup runs the
                       backup manager, object store, connectors, BackupService (and the REST API)
                       and reaches the volume host at volume_host_address; api serves only the
                       REST API and forwards every call, with the caller's token, over gRPC to
                       backup_service_address / volume_service_address (README "Roles")
  volume_host_address  role backup: HOST:PORT of the role volume backupd (required there);
                       role backup needs operator_token_file (the volume host's) and always
                       attaches remotely (backup_attach = local is refused)
  api_tls_cert_file    PEM certificate (chain) of the REST API: it then serves HTTPS only (unset)
  api_tls_key_file     PEM private key of api_tls_cert_file (unset)
  grpc_tls_cert_file   PEM certificate (chain) of the gRPC endpoint: TLS only (unset)
  grpc_tls_key_file    PEM private key of grpc_tls_cert_file (unset)
  grpc_tls_client_ca_file  PEM CA(s): gRPC clients must present a certificate they signed
                       (mutual TLS between services; unset: no client certificates)
  grpc_auth            token | trusted-header: who a gRPC call acts for. token: the x-auth-token
                       metadata (the REST API's tokens and roles) or the operator token;
                       trusted-header: the x-project-id metadata as sent (development and the
                       embedded loopback daemon). Default: trusted-header on a loopback listen
                       address, token otherwise (trusted-header elsewhere needs mutual TLS)
  backup_service_address  role api: HOST:PORT of the gRPC endpoint of the role all or backup
                       backupd it forwards backup and quota calls to (required there)
  volume_service_address  role api: HOST:PORT of the role all or volume backupd it forwards
                       volume, snapshot and attachment calls to (backup_service_address)
  backend_tls_ca_file  role api: PEM CA that signed those daemons' gRPC certificates: TLS
                       (unset: plaintext)
  backend_tls_cert_file, backend_tls_key_file  role api: this client's PEM certificate and key
                       for daemons that require client certificates (mutual TLS)
  failpoints           TESTS ONLY: NAME=error|kill|delay:MS[@N],... (backup_service/model/
                       failpoints.cc); the BB_FAILPOINTS environment variable overrides it
)";
}

}  // namespace bb
