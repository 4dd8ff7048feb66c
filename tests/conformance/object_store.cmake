# ObjectStore conformance: the shared suite (this folder) + one instantiation per store
# (backup_service/object_stores/object_store_conformance_test.cc).
bb_test(bb_object_store_conformance_test
        SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/object_store_conformance.cc
                ${CMAKE_CURRENT_SOURCE_DIR}/../../backup_service/object_stores/object_store_conformance_test.cc
        LIBS bb_object_stores)
