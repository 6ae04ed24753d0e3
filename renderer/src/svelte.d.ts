// .svelte files are compiled by Vite; to tsc they are components.
declare module '*.svelte' {
  import type { Component } from 'svelte'
  const component: Component<Record<string, unknown>>
  export default component
}

declare module '*.css' {}
