import { defineCommand } from "../command.js";

export default defineCommand({
  command: "schema",
  describe: "Print the tenant JSON Schema (for editors and CI)",
  builder: (y) => y.example("$0 schema > tenant.schema.json", "save the schema"),
  run: async (_args, { io }) => {
    const { tenantSchemaText } = await import("../../core/schemas.js");
    io.stdout(tenantSchemaText());
    return 0;
  },
});
