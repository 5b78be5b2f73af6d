src/extension/extension_locks.o: src/extension/extension_locks.cpp \
 src/extension/extension_locks.h src/pg/pg_headers.h
src/extension/extension_locks.h:
src/pg/pg_headers.h:
