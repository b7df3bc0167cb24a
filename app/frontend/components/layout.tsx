import Head from "next/head";
import Link from "next/link";
import type { ReactNode } from "react";

export interface LayoutProps {
  readonly title: string;
  readonly children: ReactNode;
}

/** Page chrome shared by every page: document title, navigation, footer. */
export default function Layout({ title, children }: LayoutProps) {
  return (
    <>
      <Head>
        <title>{`${title} | ECS Service Connect demo`}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
      <header className="site-header">
        <nav>
          <Link href="/">Home</Link>
          <Link href="/about">About</Link>
        </nav>
      </header>
      <main className="content">{children}</main>
      <footer className="site-footer">
        Next.js frontend · Fastify backend · ECS Service Connect
      </footer>
    </>
  );
}
