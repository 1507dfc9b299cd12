# System libraries, all from Debian 12 packages (see scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Protobuf REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(CURL REQUIRED)

pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(OATH REQUIRED IMPORTED_TARGET liboath)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
# The grader unpacks a submitted file when libmagic types its content as a zip archive.
pkg_check_modules(LIBMAGIC REQUIRED IMPORTED_TARGET libmagic)
# Lab bodies are indexed for search as the text of their Markdown (cmark-gfm), with the text of
# raw HTML parsed by libxml2.
pkg_check_modules(CMARK_GFM REQUIRED IMPORTED_TARGET libcmark-gfm)
find_package(LibXml2 REQUIRED)
# Debian's libcmark-gfm-extensions-dev has no pkg-config file.
find_path(CMARK_GFM_EXTENSIONS_INCLUDE_DIR cmark-gfm-core-extensions.h REQUIRED)
find_library(CMARK_GFM_EXTENSIONS_LIBRARY cmark-gfm-extensions REQUIRED)
add_library(CmarkGfm::extensions UNKNOWN IMPORTED)
set_target_properties(CmarkGfm::extensions PROPERTIES
  IMPORTED_LOCATION ${CMARK_GFM_EXTENSIONS_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CMARK_GFM_EXTENSIONS_INCLUDE_DIR})
target_link_libraries(CmarkGfm::extensions INTERFACE PkgConfig::CMARK_GFM)

# SOCI 4.0 ships neither a CMake config nor a pkg-config file, so import it by hand.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
foreach(component core sqlite3 postgresql)
  find_library(SOCI_${component}_LIBRARY soci_${component} REQUIRED)
  add_library(SOCI::${component} UNKNOWN IMPORTED)
  set_target_properties(SOCI::${component} PROPERTIES
    IMPORTED_LOCATION ${SOCI_${component}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR})
endforeach()
target_link_libraries(SOCI::sqlite3 INTERFACE SOCI::core SQLite::SQLite3)
target_link_libraries(SOCI::postgresql INTERFACE SOCI::core PkgConfig::PQ)

if(OPENLABS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
