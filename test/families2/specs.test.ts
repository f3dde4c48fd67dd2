import { describe, expect, it } from "vitest";
import { PROJECT_FAMILIES, interpretedFamily, projectFamily } from "./specs.js";

describe("project-written specs (specs/families)", () => {
  it.each(PROJECT_FAMILIES)("%s: the generated module holds the model the YAML resolves to", (name) => {
    expect(projectFamily(name).model).toEqual(interpretedFamily(name).model);
  });
});
