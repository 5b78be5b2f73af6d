src/pg/server_text.o: src/pg/server_text.cpp src/pg/server_text.h \
 src/pg/pg_headers.h
src/pg/server_text.h:
src/pg/pg_headers.h:
