// Marks a header as PostgreSQL-zone only: the including .cpp must have included postgres.h
// first. Pure C++ never includes this header (the build compiles pure files without the
// server include path, so it could not).
#pragma once

#ifndef POSTGRES_H
#error "src/pg headers are for PostgreSQL-zone files: include postgres.h first in the .cpp"
#endif
