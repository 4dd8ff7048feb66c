// IscsiTargetAddress: where an iSCSI LUN is and how to log in, read from the ConnectionInfo a
// target helper hands out (targets/iscsi_target.h IscsiConnectionInfo). Shared by every iSCSI
// connector (libiscsi now, open-iscsi's iscsiadm later). Thread-safety: values and pure functions.
#pragma once

#include <string>

#include "backup_service/common/result.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

// Where an iSCSI LUN is and how to log in: os-brick's connection_info keys.
struct IscsiTargetAddress {
  std::string portal;  // "ip:port" (":3260" is not assumed)
  std::string iqn;
  int lun = 0;
  std::string chap_username;  // empty: no CHAP
  std::string chap_secret;

  // "iscsi://127.0.0.1:3260/iqn.../1": the device's name in logs; never carries credentials.
  std::string Url() const;
};

// From ConnectionInfo data: target_portal, target_iqn, target_lun, and auth_method "CHAP" with
// auth_username and auth_password (no auth_method: no CHAP). InvalidArgument names the missing or
// malformed key; an auth_method other than CHAP is Unimplemented.
Result<IscsiTargetAddress> IscsiAddressFromInfo(const ConnectionInfo& info);

}  // namespace bb
