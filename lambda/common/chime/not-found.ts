export const isNotFound = (error: unknown): boolean =>
  typeof error === 'object' && (error as { name?: unknown } | null)?.name === 'NotFoundException';
