src/extension/extension_catalog.o: src/extension/extension_catalog.cpp \
 src/extension/extension_catalog.h src/pg/pg_headers.h
src/extension/extension_catalog.h:
src/pg/pg_headers.h:
