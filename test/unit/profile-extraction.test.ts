// The deterministic profile extractors against a corpus of what visitors actually type.
import { describe, expect, it } from "vitest";
import { extractProfile, matchCatalog, type ProfileFields } from "../../functions/chat/profile-extraction.ts";

const catalog = {
  products: ["SmartFresh", "Solar Panel", "Heat Pump"],
  services: ["Installation", "Annual Maintenance"],
};

const CORPUS: [string, ProfileFields][] = [
  // names
  ["Hi, my name is jane o'brien", { customer_name: "Jane O'Brien" }],
  ["My name's Carlos Mendez and I need help", { customer_name: "Carlos Mendez" }],
  ["I'm Dana", { customer_name: "Dana" }],
  ["This is Priya McKay from accounting", { customer_name: "Priya McKay" }],
  ["I'm looking for a new roof", {}],
  ["I'm interested in pricing", {}],
  ["i am not sure yet", {}],
  // emails
  ["reach me at Jane.Doe+quotes@Example.co.uk", { email: "jane.doe+quotes@example.co.uk" }],
  ["my email is bob@example", {}],
  // phones
  ["call me at (512) 555-0199", { phone: "+15125550199" }],
  ["my cell is 512.555.0199", { phone: "+15125550199" }],
  ["+1 415 555 2671 works", { phone: "+14155552671" }],
  ["UK office: +44 20 7946 0958", { phone: "+442079460958" }],
  ["order 12345 shipped 2024-01-05", {}],
  // addresses
  [
    "Ship to 123 Main St, Apt 4B, Springfield, IL 62701 please",
    { address_street: "123 Main St, Apt 4B", address_city: "Springfield", address_state: "IL", address_zip: "62701" },
  ],
  [
    "450 N. Rodeo Drive, Beverly Hills, CA 90210",
    { address_street: "450 N. Rodeo Drive", address_city: "Beverly Hills", address_state: "CA", address_zip: "90210" },
  ],
  ["I live in Austin, Texas", { address_city: "Austin", address_state: "TX" }],
  ["We're in New York, NY 10001-1234", { address_city: "New York", address_state: "NY", address_zip: "10001-1234" }],
  ["my zip code is 94107", { address_zip: "94107" }],
  ["Thanks OK", {}],
  // interests and preferences
  ["Do you do installation of solar panels?", {
    products_of_interest: ["Solar Panel"],
    services_of_interest: ["Installation"],
  }],
  ["smartfresh and heat pumps, and I'd prefer email", {
    products_of_interest: ["SmartFresh", "Heat Pump"],
    preferences: { contact_method: "email" },
  }],
  ["best to text me", { preferences: { contact_method: "text" } }],
  // several at once
  [
    "I'm Ana Silva, ana@silva.dev, 212-555-0147, interested in Annual Maintenance",
    {
      customer_name: "Ana Silva",
      email: "ana@silva.dev",
      phone: "+12125550147",
      services_of_interest: ["Annual Maintenance"],
    },
  ],
];

describe("extractProfile", () => {
  it.each(CORPUS)("%s", (text, expected) => {
    expect(extractProfile(text, catalog)).toEqual(expected);
  });

  it("matches catalog entries as whole words only", () => {
    expect(matchCatalog("I need a solar panelling quote", ["Solar Panel"])).toEqual([]);
    expect(matchCatalog("Heat-Pump? heat pump!", ["Heat Pump"])).toEqual(["Heat Pump"]);
    expect(matchCatalog("anything", undefined)).toEqual([]);
  });
});
