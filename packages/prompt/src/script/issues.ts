/** zod issues → one readable sentence ("scenes.2.durationMs: Too big…; scenes: …"). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || 'script'}: ${i.message}`)
    .join('; ');
}
