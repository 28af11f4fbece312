# Writes OUT, a C++ file holding every DIR/*.mustache as a string, so the
# daemon carries its default templates (staff override them from
# [reminders] templates_dir).
file(GLOB files "${DIR}/*.mustache")
list(SORT files)
set(body "// Generated from templates/*.mustache by cmake/embed_templates.cmake.\n")
string(APPEND body "#include \"daemon/mail/reminder_mail.h\"\n\nnamespace liasse {\n\n")
string(APPEND body "const std::map<std::string, std::string>& DefaultTemplates() {\n")
string(APPEND body "  static const auto* templates = new std::map<std::string, std::string>{\n")
foreach(f ${files})
  get_filename_component(name "${f}" NAME)
  file(READ "${f}" content)
  string(APPEND body "      {\"${name}\", R\"liasse_template(${content})liasse_template\"},\n")
endforeach()
string(APPEND body "  };\n  return *templates;\n}\n\n}  // namespace liasse\n")
file(WRITE "${OUT}" "${body}")
