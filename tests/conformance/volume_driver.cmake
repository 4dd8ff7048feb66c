# VolumeDriver conformance suite: the cases live here; each driver's instantiation lives beside the
# driver (volume_drivers/<name>/<name>_driver_conformance_test.cc) and is listed below.
bb_test(bb_volume_driver_conformance_test
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/volume_driver_conformance.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/volume_driver_export_cases.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/file/file_driver_conformance_test.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/lvm/lvm_driver_conformance_test.cc
    ${CMAKE_SOURCE_DIR}/volume_drivers/fake/fake_driver_conformance_test.cc
  LIBS bb_volume_drivers bb_volume_drivers_testing bb_common)
target_compile_definitions(bb_volume_driver_conformance_test PRIVATE
                           BB_DEVSTACK_LIB="${CMAKE_SOURCE_DIR}/devstack/lib")
