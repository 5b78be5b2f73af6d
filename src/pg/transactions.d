src/pg/transactions.o: src/pg/transactions.cpp \
 src/extension/extension_catalog.h src/pg/pg_headers.h \
 src/pg/transactions.h
src/extension/extension_catalog.h:
src/pg/pg_headers.h:
src/pg/transactions.h:
