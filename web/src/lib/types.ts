/** One page of a list response: the items and the total number of matches. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}
