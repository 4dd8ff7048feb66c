# VolumeDriver conformance suite: the cases live here; each driver's instantiation lives in its
# folder (volume_drivers/<name>/<name>_driver_conformance_test.cc) and is added by that folder's
# bb_volume_driver() call (volume_drivers/CMakeLists.txt), so nothing here names a driver.
get_property(BB_DRIVER_CONFORMANCE GLOBAL PROPERTY BB_VOLUME_DRIVER_CONFORMANCE)
bb_test(bb_volume_driver_conformance_test
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/volume_driver_conformance.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/volume_driver_export_cases.cc
    ${CMAKE_CURRENT_SOURCE_DIR}/volume_driver_extent_cases.cc
    ${BB_DRIVER_CONFORMANCE}
  LIBS bb_volume_drivers bb_volume_drivers_testing bb_common)
target_compile_definitions(bb_volume_driver_conformance_test PRIVATE
                           BB_DEVSTACK_LIB="${CMAKE_SOURCE_DIR}/devstack/lib")
