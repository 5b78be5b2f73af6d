src/extension/database_claims.o: src/extension/database_claims.cpp \
 src/extension/database_claims.h src/pg/pg_headers.h \
 src/extension/settings.h
src/extension/database_claims.h:
src/pg/pg_headers.h:
src/extension/settings.h:
