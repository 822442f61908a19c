# Writes the file IN as a C++ raw string constant kSchemaText into OUT.
file(READ ${IN} text)
file(WRITE ${OUT} "// generated from schema/akorn.fbs; do not edit\n#pragma once\nnamespace akornc {\ninline constexpr const char* kSchemaText = R\"akornschema(${text})akornschema\";\n}\n")
