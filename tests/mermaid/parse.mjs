// Parses a Mermaid file with Mermaid's own parser and prints its diagram type.
// Usage: node parse.mjs FILE.mmd   (exit 1 with the parser's message if it does not parse)
import fs from 'node:fs';
import mermaid from 'mermaid';

const text = fs.readFileSync(process.argv[2], 'utf8');
try {
  const result = await mermaid.parse(text);
  console.log(result.diagramType);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
