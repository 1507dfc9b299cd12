# Install rules: `cmake --install build --prefix P` puts
#   P/bin/openlabs                     the server and its commands
#   P/lib/openlabs/openlabs-pdf.so     the PDF reader module, loaded on the first PDF
#   P/share/openlabs/kernel/           the notebook kernel that the sandbox runs
#   P/share/openlabs/web/              the web app, when web/dist/ was built (`make web`)
# The binary finds the module and the kernel relative to its own path, so the prefix can be
# moved as a whole. Serve the web app with `openlabs serve --web-root P/share/openlabs/web`.

install(TARGETS openlabs RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS openlabs_pdf LIBRARY DESTINATION ${OPENLABS_INSTALL_MODULE_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/kernel/ DESTINATION ${OPENLABS_INSTALL_DATA_DIR}/kernel
  PATTERN tests EXCLUDE
  PATTERN __pycache__ EXCLUDE
  PATTERN .gitignore EXCLUDE)
# OPTIONAL skips the web app when web/dist/ does not exist at install time.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/dist/ DESTINATION ${OPENLABS_INSTALL_DATA_DIR}/web
  OPTIONAL)
