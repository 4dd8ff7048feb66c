# Connector conformance suite: the cases live here; each connector's instantiation lives beside the
# connector (volume_drivers/connectors/<name>_connector_conformance_test.cc) and is listed below.
# Root stage of tests/run.sh: the loop, libiscsi and iscsiadm instances need root (losetup, tgtd);
# the iscsiadm instance's live cases also need the kernel's iscsi_tcp module.
bb_test(bb_connector_conformance_test
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/connector_conformance.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/connector_envs.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/connectors/local_connector_conformance_test.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/connectors/loop_connector_conformance_test.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/connectors/libiscsi_connector_conformance_test.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/connectors/iscsiadm_connector_conformance_test.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/connectors/iscsiadm_host_test.cc
  LIBS bb_volume_drivers bb_volume_drivers_testing bb_common)
target_compile_definitions(bb_connector_conformance_test PRIVATE
                           BB_DEVSTACK_LIB="${CMAKE_SOURCE_DIR}/devstack/lib")
